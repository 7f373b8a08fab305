/* Jiuzhu's pages: draw each chart from the numbers the page carries (data-chart), the same numbers as the table
   beside it; mark the tab whose panel htmx just loaded. No other script: htmx does the rest. */
(function () {
  "use strict";

  // Programme and township names are long Chinese words: drawn side by side at their full width they ran into
  // each other. Each category label gets its share of the plot's width: wrapped onto lines of that width when
  // the share holds a few characters; else turned 45° when turned labels stand a line apart, else upright (90°:
  // twelve months on a phone). Every label is shown (interval 0): the table beside the chart has them too.
  var AXIS_LABELS = 110; // px of the chart that the value axes' own labels take (left and right of the plot)
  var LINE_PX = 18; // a line of 12 px text, with the room its glyphs' boxes take above and below
  var FEWEST_PX = 44; // a share narrower than this (under four characters a line) is turned, not wrapped

  function categoryLabels(count, width) {
    var share = Math.max(width - AXIS_LABELS, 100) / Math.max(count, 1);
    if (share >= FEWEST_PX) {
      return { interval: 0, width: Math.floor(share - 6), overflow: "break", lineHeight: LINE_PX };
    }
    return { interval: 0, rotate: share * Math.SQRT1_2 >= LINE_PX ? 45 : 90 };
  }

  function valueAxis(axis, horizontal) {
    // Beside a horizontal chart's value axis its name would run off the chart's right edge: it goes under it.
    var out = { type: "value", name: axis.name, axisLabel: { hideOverlap: true } };
    if (horizontal) { out.nameLocation = "middle"; out.nameGap = 28; }
    return out;
  }

  function option(spec, width) {
    var axes = spec.axes || [{}];
    var values = axes.map(function (a) { return valueAxis(a, spec.horizontal); });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      // The axes' labels and names are kept inside the chart (ECharts 6: the plot shrinks until they fit; its
      // older containLabel let a turned first label run off the left edge and an axis name off the right).
      grid: { left: 8, right: 8, top: 40, bottom: 8, outerBoundsMode: "same", outerBoundsContain: "all" },
      xAxis: spec.horizontal ? values
        : { type: "category", data: spec.categories, axisLabel: categoryLabels(spec.categories.length, width) },
      yAxis: spec.horizontal ? { type: "category", data: spec.categories, inverse: true, axisLabel: { interval: 0 } }
        : values,
      series: spec.series.map(function (s) {
        var out = { name: s.name, type: s.type || "bar", data: s.data, stack: s.stack };
        if (s.axis) { out[spec.horizontal ? "xAxisIndex" : "yAxisIndex"] = s.axis; }
        return out;
      })
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    var locale = document.documentElement.lang === "en" ? "EN" : "ZH";
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.dataset.chart);
      var chart = echarts.init(el, null, { locale: locale, renderer: "svg" });
      chart.setOption(option(spec, el.clientWidth));
      window.addEventListener("resize", function () {
        chart.resize();
        // Wider or narrower: the labels' share changes (wrapped or turned). The options are set anew, not merged
        // (a merge kept a wrapped label's width on a turned one).
        if (el.clientWidth > 0) { chart.setOption(option(spec, el.clientWidth), { notMerge: true }); }
      });
    });
  }

  // htmx swaps only the tab panel: the tab row must say which tab is shown now (class and aria-selected).
  function selectTab(tab) {
    var list = tab.closest("[role=tablist]");
    if (!list) { return; }
    list.querySelectorAll("[role=tab]").forEach(function (other) {
      other.classList.remove("active");
      other.removeAttribute("aria-selected");
    });
    tab.classList.add("active");
    tab.setAttribute("aria-selected", "true");
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    var from = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    if (from && from.getAttribute && from.getAttribute("role") === "tab") { selectTab(from); }
  });
  // On a phone the tab row scrolls sideways: the tab shown (?tab=… of a link) is scrolled into the row's view,
  // not left beyond its edge.
  function showActiveTab() {
    var active = document.querySelector("[role=tablist] [role=tab].active");
    if (active && active.scrollIntoView) { active.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); showActiveTab(); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
})();
