"""Every identifier of a household document is masked by one rule per kind."""

from __future__ import annotations

import json

from jiuzhu.registry.privacy import mask_document, mask_path, mask_path_value


def test_every_identifier_of_a_document_is_masked(example_data):
    example_data["members"][0]["phone"] = "13812345678"
    example_data["members"][0]["supporters"] = [{"name": "子", "id_number": "51212619800404253X",
                                                 "relation": "child", "status": "able"}]
    example_data["members"][0]["financial_assets"][0]["account"] = "6217000012345678"
    masked = json.dumps(mask_document(example_data), ensure_ascii=False)
    for member in example_data["members"]:
        assert member["id_number"] not in masked
    for secret in ("13812345678", "51212619800404253X", "6217000012345678",
                   example_data["members"][0]["disability"]["certificate_no"]):
        assert secret not in masked
    assert "138****5678" in masked and "************5678" in masked
    assert example_data["members"][0]["name"] in masked  # names are shown: staff need them


def test_change_log_paths_and_values_are_masked():
    path = "members[512126195203032517].supporters[0].id_number"
    assert mask_path(path) == "members[512126********2517].supporters[0].id_number"
    assert mask_path_value(path, "51212619800404253X") == "512126********253X"
    member = {"id_number": "512126195605052561", "name": "测", "disability": {"certificate_no": "51212619560505256141"}}
    assert "512126195605052561" not in json.dumps(mask_path_value("members[512126195605052561]", member))
    assert "5121261956050525614" not in json.dumps(mask_path_value("members[512126195605052561]", member))
