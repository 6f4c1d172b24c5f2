"""Emergency alerts: console and CAP alerts, fan-out to boards, receipts."""
