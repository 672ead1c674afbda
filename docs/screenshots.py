"""Screenshots of the main pages on a phone and a desktop, for the README.

Run by ``make screenshots``: it seeds a demo site in its own folder, starts a server on
loopback, signs in as the demo users where a page needs it and saves PNG files under
``docs/screenshots/``. Uses Debian's Chromium (``/usr/bin/chromium``); Chinese text needs a
CJK font such as Debian's ``fonts-wqy-zenhei``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "demo-pass-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/zh-hans/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def shoot(browser, base: str, name: str, path: str, *, user: str = "", desktop_only=False):
    sizes = {"desktop": DESKTOP} if desktop_only else {"phone": PHONE, "desktop": DESKTOP}
    for label, viewport in sizes.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        if user:
            sign_in(page, base, user)
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        target = OUT / f"{name}-{label}.png"
        page.screenshot(path=str(target), full_page=label == "phone")
        print(f"  {target.relative_to(ROOT)}")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var", default=str(ROOT / "var" / "screenshots"))
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt install chromium")
    if (
        not shutil.which("fc-list")
        or "WenQuanYi" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    ):
        print("warning: no CJK font found (apt install fonts-wqy-zenhei); Chinese shows as boxes")
    env = {**os.environ, "PORTAL_VAR_DIR": args.var, "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, check=True)
    subprocess.run([python, "manage.py", "seed_demo", "--if-empty"], env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        wait_for(f"{base}/healthz")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            shoot(browser, base, "home", "/zh-hans/")
            year = time.localtime().tm_year
            shoot(browser, base, "activities", f"/zh-hans/open-day-{year}/")
            shoot(browser, base, "experts", "/zh-hans/experts/")
            shoot(browser, base, "in-numbers", "/zh-hans/in-numbers/")
            shoot(browser, base, "home-en", "/en/")
            shoot(
                browser,
                base,
                "my-registrations",
                "/zh-hans/open-day/registration/mine/",
                user="visitor",
            )
            shoot(browser, base, "check-in", "/zh-hans/open-day/checkin/", user="checkin")
            shoot(browser, base, "expert-desk", "/zh-hans/consultations/expert/", user="expert")
            shoot(
                browser,
                base,
                "statistics",
                "/cms-admin/statistics/",
                user="approver",
                desktop_only=True,
            )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
