"""抽查复核: finance draws a sample of self-evaluated projects and scores it (docs/checks.md)."""
