from pathlib import Path

from cnnbook.repo_url import configured_url, main, notebook_urls

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_installs_from_the_configured_repository():
    url = configured_url(ROOT)
    urls = notebook_urls(ROOT)
    assert urls, "no chapters found"
    assert {nb.name: u for nb, u in urls.items() if u != url} == {}, "run `make sync-repo-url`"
    assert main(["--root", str(ROOT)]) == 0
