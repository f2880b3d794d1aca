"""Flags: the integrity-risk rules, the flags they raise, their review (监督审核) and interference records."""
