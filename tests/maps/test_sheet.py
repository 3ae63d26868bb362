"""The printable day sheet: zh-CN by default, escaped, no external assets, no seed."""

from __future__ import annotations

from maps.sheet import day_sheet_html

STOPS = [{"site_id": "m1", "name": "一号<煤矿>", "kind": "coal_mine", "arrival_s": 600,
          "departure_s": 4200, "roads": ["(track)", "G102"]}]


def test_sheet_zh_by_default() -> None:
    html = day_sheet_html(date="2025-04-03", team="team-1", stops=STOPS, drive_s=1800,
                          end_s=9000)
    assert html.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in html
    assert "一号&lt;煤矿&gt;" in html and "煤矿" in html and "(机耕路) → G102" in html
    assert "08:10" in html and "09:10" in html and "10:30" in html  # arrive, leave, back
    assert "http" not in html and "src=" not in html


def test_sheet_english_and_empty_day() -> None:
    html = day_sheet_html(date="2025-04-03", team="team-2", stops=[], drive_s=0, end_s=0,
                          lang="en", start="07:30")
    assert 'lang="en"' in html and "No sites today" in html and "07:30" in html
