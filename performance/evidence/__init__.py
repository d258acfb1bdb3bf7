"""佐证材料: files behind values and 复核 opinions (docs/evidence.md)."""
