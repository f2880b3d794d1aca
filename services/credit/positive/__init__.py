"""正面清单 (positive list), Jiangsu credit grades as received, and the enterprise credit profile."""
