"""Credit service: administrative-penalty credit records (行政处罚信用信息) with their publicity periods,
the credit record notice and credit-repair guidance served with a penalty (三书送达), repair later."""
