"""The accessibility check of the browser suite: axe-core run on the page as it stands, failing
on a violation of any impact (minor ones too)."""

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def describe(violations: list[dict]) -> str:
    """Each violation's rule, impact and help, then each element it was found on: its
    selector and the start of its HTML."""
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
            f"    {node['target']}: {node['html'][:160]}" for node in v["nodes"]
        )
        for v in violations
    )


def assert_no_axe_violations(page, where: str = "") -> None:
    """axe-core finds nothing on the page. `where` names the page in the message (its
    address is always given). axe leaves empty style attributes on what it looked at: reload
    before anything that copies the page's markup (an htmx history snapshot, say)."""
    violations = AXE.run(page).response["violations"]
    assert violations == [], (
        f"axe-core found violations {'on ' + where + ' ' if where else ''}({page.url}):\n"
        f"{describe(violations)}"
    )
