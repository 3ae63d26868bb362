"""The front door in a real browser: ``/`` lands each role on its page, the header, the
language switch, sign-out, error pages and login errors in the user's language, ``/docs`` and
``/redoc`` offline; and over HTTP: negotiation, compression, caching.

The app runs under uvicorn on 127.0.0.1 over a copy of :mod:`apidata`'s tiny store; Chromium
(desktop and phone) blocks every request that leaves loopback; zh-CN pages must show no Latin
words outside data and the other language's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apidata import PASSWORD, SECRET, USERS
from livesrv import Browser, serve

from api.auth import create_token
from api.settings import Settings

pytestmark = pytest.mark.browser
HOME = {"admin": "/admin", "planner": "/planner", "leader": "/leader", "inspector": "/inspector"}
ROLE_ZH = {"admin": "系统管理员", "planner": "网格规划员", "leader": "包联领导",
           "inspector": "督导检查员"}


@pytest.fixture
def live(db_path: Path) -> Iterator[str]:
    with serve(Settings(db=str(db_path), jwt_secret=SECRET, login_attempts=3)) as base:
        yield base


def _wait_page(b: Browser) -> None:
    b.page.wait_for_function("document.documentElement.dataset.gridpatrolReady === '1'"
                             " || !!document.querySelector('.gp-error-page')")
    if b.page.evaluate("!!window.GP && !!GP.map"):
        b.page.wait_for_function("GP.settled === true && GP.basemapReady === true")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("role", ["admin", "planner", "leader", "inspector"])
def test_each_role_lands_on_its_page_and_signs_out(browser: Any, live: str, role: str,
                                                   phone: bool) -> None:
    b = Browser(browser, live, phone=phone)
    b.sign_in(USERS[role].username, PASSWORD)
    assert b.page.url == live + HOME[role]
    _wait_page(b)
    head = b.page.locator("#gp-header")
    assert USERS[role].username in head.inner_text()
    if not phone:  # the role is hidden on a phone's narrow header
        assert ROLE_ZH[role] in head.inner_text()
    assert b.page.locator("html").get_attribute("lang") == "zh-CN"
    assert b.latin() == []
    b.page.click(".gp-logout button")
    b.page.wait_for_url(live + "/login*")
    assert "您已退出登录" in b.page.inner_text("body")
    b.page.goto(live + HOME[role])  # signed out: back to the sign-in page
    assert "/login" in b.page.url
    b.close()


def test_language_switch_is_remembered(browser: Any, live: str) -> None:
    b = Browser(browser, live)
    b.sign_in(USERS["planner"].username, PASSWORD)
    _wait_page(b)
    b.page.click("#gp-header .gp-lang")
    _wait_page(b)
    assert b.page.locator("html").get_attribute("lang") == "en"
    assert "Grid planner" in b.page.inner_text("#gp-header")
    assert "网格规划图" not in b.page.inner_text("body")
    b.page.goto(live + "/leader")  # the cookie carries the choice
    _wait_page(b)
    assert "Coverage" in b.page.inner_text("#gp-header")
    b.page.click("#gp-header .gp-lang")  # back to Chinese
    _wait_page(b)
    assert "巡查覆盖" in b.page.inner_text("#gp-header") and b.latin() == []
    b.close()


def test_error_pages_speak_the_users_language(browser: Any, live: str) -> None:
    b = Browser(browser, live, expected=("status of 403", "status of 404"))
    b.sign_in(USERS["planner"].username, PASSWORD)
    _wait_page(b)
    answer = b.page.goto(live + "/admin")
    assert answer is not None and answer.status == 403
    text = b.page.inner_text("main")
    assert "无权访问" in text and "网格规划员" in text and "{" not in text
    assert b.latin() == []
    b.page.click("text=返回首页")
    b.page.wait_for_url(live + "/planner")
    answer = b.page.goto(live + "/no/such/page")
    assert answer is not None and answer.status == 404
    assert "找不到" in b.page.inner_text("main") and b.latin() == []
    b.close()


def test_inspector_without_a_plan_is_told_what_to_do(browser: Any, live: str,
                                                     db_path: Path) -> None:
    from layers.store import open_store

    store = open_store(str(db_path))
    store.delete("plans", store.read("plans")["plan_id"].tolist())
    store.close()
    b = Browser(browser, live, expected=("status of 404",))
    b.sign_in(USERS["inspector"].username, PASSWORD)
    assert "还没有派发给您的巡查计划" in b.page.inner_text("main") and b.latin() == []
    b.close()


def test_sign_in_errors_are_explained(browser: Any, live: str) -> None:
    b = Browser(browser, live)
    b.sign_in(USERS["planner"].username, "wrong password")
    assert "用户名或密码错误" in b.page.inner_text("#gp-login-error") and b.latin() == []
    for _ in range(3):  # the limiter allows 3 failures per window in this test's settings
        b.sign_in(USERS["planner"].username, "wrong password")
    msg = b.page.inner_text("#gp-login-error")
    assert "登录失败次数过多" in msg and "秒后再试" in msg
    b.close()


@pytest.mark.parametrize("path,ready", [
    ("/docs", "document.documentElement.dataset.docsReady === '1' && "
              "!!document.querySelector('.swagger-ui .info')"),
    ("/redoc", "!!document.querySelector('redoc .api-info, redoc h1')"),
])
def test_api_docs_load_from_vendored_files(browser: Any, live: str, path: str,
                                           ready: str) -> None:
    b = Browser(browser, live)
    b.page.goto(live + path)
    b.page.wait_for_function(ready, timeout=30_000)
    b.page.wait_for_function("document.body.innerText.includes('GridPatrol')")
    b.close()


def _token(role: str) -> str:
    return create_token(USERS[role], secret=SECRET, minutes=5)


def test_front_door_negotiates(live: str) -> None:
    with httpx.Client(base_url=live, timeout=20) as c:
        doc = c.get("/", headers={"Accept": "application/json"})
        assert doc.status_code == 200 and {"service-desc", "data"} <= {
            link["rel"] for link in doc.json()["links"]}
        assert c.get("/").headers["content-type"].startswith("application/json")  # */*
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        assert c.get("/", headers=html).headers["location"] == "/login"
        for role, home in HOME.items():
            r = c.get("/", headers={**html, "Cookie": f"gp_token={_token(role)}"})
            assert (r.status_code, r.headers["location"]) == (303, home)
        missing = c.get("/nothing", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and missing.json()["status"] == 404
        page = c.get("/nothing", headers=html)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_pages_are_compressed_and_cacheable(live: str) -> None:
    cookie = {"Cookie": f"gp_token={_token('planner')}", "Accept-Encoding": "gzip"}
    with httpx.Client(base_url=live, timeout=30) as c:
        page = c.get("/planner", headers=cookie)
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert page.headers["cache-control"] == "private, no-cache" and page.headers["etag"]
        again = c.get("/planner", headers={**cookie, "If-None-Match": page.headers["etag"]})
        assert again.status_code == 304
        script = next(s for s in page.text.split('"') if s.endswith("gridpatrol/bundle.js"))
        asset = c.get(script, headers={"Accept-Encoding": "gzip"})
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        sealed = c.get("/inspector", headers={"Cookie": f"gp_token={_token('inspector')}"})
        assert sealed.status_code == 200 and sealed.headers["cache-control"] == "no-store"
        assert _token("inspector") not in sealed.text and "gp_token" not in sealed.text
