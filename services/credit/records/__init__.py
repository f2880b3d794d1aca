"""Credit records (行政处罚信用信息): classification rules, the reads and the notice served with a penalty."""
