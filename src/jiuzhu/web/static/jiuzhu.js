/* Jiuzhu's pages: draw each chart from the numbers the page carries (data-chart), the same numbers as the table
   beside it; mark the tab whose panel htmx just loaded. No other script: htmx does the rest. */
(function () {
  "use strict";

  function option(spec, narrow) {
    var axes = spec.axes || [{}];
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: spec.horizontal
        ? axes.map(function (a) { return { type: "value", name: a.name }; })
        : { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 || narrow ? 40 : 0 } },
      yAxis: spec.horizontal
        ? { type: "category", data: spec.categories, inverse: true, axisLabel: { interval: 0 } }
        : axes.map(function (a) { return { type: "value", name: a.name }; }),
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
      var chart = echarts.init(el, null, { locale: locale, renderer: "svg" });
      chart.setOption(option(JSON.parse(el.dataset.chart), el.clientWidth < 500));
      window.addEventListener("resize", function () { chart.resize(); });
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
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
})();
