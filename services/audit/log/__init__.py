"""The tamper-evident log: RFC 6962 Merkle tree, signed tree heads, witness copies, verification."""
