"""Pages of target adjustments (绩效目标调整, 年中追加): the proposal form, a proposal with its
diff and its approval steps, and the reviewers' queue (docs/adjustments.md)."""
