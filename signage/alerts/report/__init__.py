"""Alert reports: what reached each board of an alert, kept forever after it ended, and the
history of ended alerts with their outcomes, both limited to the boards in the reader's grants."""
