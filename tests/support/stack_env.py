"""What the test suites change in every local stack they launch, and in the operator tools they run."""

from __future__ import annotations

# An erasure's last sweep waits out the revocation window (45 s in AWS, hhl.crm.erasure); the test stacks wait 5 s
# (HHL_ERASURE_SETTLE_SECONDS, honoured only at the local stage), and the tests write inside those 5 s.
ERASURE_SETTLE_SECONDS_IN_TESTS = "5"
