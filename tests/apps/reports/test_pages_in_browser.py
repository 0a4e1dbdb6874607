"""report.html and lr_find.html rendered in headless Chromium at 1280 px: no broken image, no overflow.

Screenshots are written to $SCRATCHNN_SCREENSHOTS when it is set (to look at them), else to tmp_path.
"""

import os
from pathlib import Path

import pytest

from scratchnn.apps.cli.__main__ import main
from tests.cdp import LAYOUT_PROBLEMS, Browser, require_chromium
from tests.data_env import data_dir

QUICK = ["--epochs", "2", "--subset", "300", "--max-steps", "6", "--verbose", "0"]


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    b = Browser(chromium, width=1280, height=900)
    yield b
    b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A train report for a digit and a clothing recipe, and an lr-find page."""
    os.environ["SCRATCHNN_DATA"] = data_dir()
    root = tmp_path_factory.mktemp("pages")
    assert main(["train", "mnist-dense", *QUICK, "--output", str(root / "digits")]) == 0
    assert main(["train", "fashion-mlp", *QUICK, "--output", str(root / "fashion")]) == 0
    assert (
        main(["lr-find", "mnist-dense", "--subset", "400", "--steps", "60", "--output", str(root / "lr")])
        == 0
    )
    return {
        "mnist report": root / "digits" / "report.html",
        "fashion report": root / "fashion" / "report.html",
        "lr-find page": root / "lr" / "lr_find.html",
    }


def screenshot_path(tmp_path: Path, name: str) -> str:
    folder = Path(os.environ.get("SCRATCHNN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name.replace(' ', '_')}.png")


def test_the_layout_check_catches_a_broken_image_and_an_overflow(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img alt="broken" src="data:image/png;base64,AAAA">'
        '<div style="width: 2000px">wide</div></body></html>'
    )
    browser.goto(page.as_uri())
    problems = browser.evaluate(LAYOUT_PROBLEMS)
    assert any(p.startswith("broken image: broken") for p in problems)
    assert any(p.startswith("page scrolls sideways") for p in problems)


@pytest.mark.parametrize("name", ["mnist report", "fashion report", "lr-find page"])
def test_page_renders_whole_at_1280_px(browser, pages, name, tmp_path):
    browser.goto(pages[name].as_uri())
    assert browser.evaluate("window.innerWidth") == 1280
    assert browser.evaluate(LAYOUT_PROBLEMS) == []
    assert browser.evaluate("document.images.length") >= 1
    browser.screenshot(screenshot_path(tmp_path, name))


@pytest.mark.parametrize("name", ["mnist report", "fashion report"])
def test_gallery_images_and_captions_are_big_enough_to_read(browser, pages, name):
    browser.goto(pages[name].as_uri())
    sizes = browser.evaluate(
        "[...document.querySelectorAll('.card img')].map(i => [i.getBoundingClientRect().width, "
        "i.getBoundingClientRect().height])"
    )
    assert sizes and all(w >= 80 and h >= 80 for w, h in sizes)
    fonts = browser.evaluate(
        "[...document.querySelectorAll('.card .pred, .card .true')].map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert fonts and min(fonts) >= 12
    # Learning curves: an image wide enough for two readable panels.
    width = browser.evaluate(
        "document.querySelector('img[alt^=\"learning curves\"]').getBoundingClientRect().width"
    )
    assert width >= 900


def test_a_missing_browser_skips_locally_and_fails_under_require_browser(monkeypatch):
    from tests import cdp

    monkeypatch.delenv("SCRATCHNN_CHROMIUM", raising=False)
    monkeypatch.setattr(cdp.shutil, "which", lambda name: None)
    monkeypatch.delenv("SCRATCHNN_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        cdp.require_chromium()
    monkeypatch.setenv("SCRATCHNN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="SCRATCHNN_REQUIRE_BROWSER=1 requires them"):
        cdp.require_chromium()
