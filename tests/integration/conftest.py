import os
import re

import pytest

from orbit_harness import ROOT, OrbitServer

LOG_DIR = os.path.join(ROOT, "build", "test-logs")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def make_server(request):
    """Factory for servers; each is stopped after the test, and its logs are kept
    under build/test-logs/<test>/ when the test fails."""
    servers = []

    def make(**kwargs):
        s = OrbitServer(**kwargs)
        servers.append(s)
        return s

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, s in enumerate(servers):
        keep = os.path.join(LOG_DIR, re.sub(r"[^\w.-]", "_", request.node.name), str(i)) if failed else None
        if failed and s.proc is not None:
            print(f"\n==== orbit-server logs ({keep}) ====\n{s.logs()}")
        s.cleanup(keep_logs_to=keep)


@pytest.fixture
def server(make_server):
    return make_server().start()
