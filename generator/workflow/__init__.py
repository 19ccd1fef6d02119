"""The pull-request workflow: a branch's changes against its base, the review summary, the
lifecycle commands that edit request files (new, issue, cancel, amend, show), and intake
from issue forms."""
