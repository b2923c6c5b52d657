"""Readers and writers: BLT (ranked), pabulib .pb (budgets), and our election record."""
