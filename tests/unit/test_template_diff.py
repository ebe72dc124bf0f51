"""tools.template_diff tells a change of form from a change of meaning in template.yaml."""

from __future__ import annotations

from kit.template import TEMPLATE_PATH
from tools.template_diff import main

FLOW_ROUTE = "Catalog: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /catalog}}"
BLOCK_ROUTE = """Catalog:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: GET
            Path: /catalog"""


def test_a_route_written_as_a_block_instead_of_one_line_changes_nothing(tmp_path, capsys):
    text = TEMPLATE_PATH.read_text()
    assert FLOW_ROUTE in text
    rewritten = tmp_path / "template.yaml"
    rewritten.write_text(text.replace(FLOW_ROUTE, BLOCK_ROUTE))
    assert main([str(rewritten)]) == 0
    assert capsys.readouterr().out.startswith("same")


def test_a_changed_route_is_reported_where_cloudformation_would_see_it(tmp_path, capsys):
    changed = tmp_path / "template.yaml"
    changed.write_text(TEMPLATE_PATH.read_text().replace(FLOW_ROUTE, FLOW_ROUTE.replace("/catalog", "/catalogue")))
    assert main([str(changed)]) == 1
    out = capsys.readouterr().out
    route = "expanded/Resources/CatalogFunction/Properties/Events/Catalog/Properties/Path"
    assert f"{route}: '/catalogue' -> '/catalog'" in out
    assert "prod/Resources/HttpApi" in out
