"""免罚清单 and the grounds of 《行政处罚法》第三十三条: reads, evaluation against facts, list import."""
