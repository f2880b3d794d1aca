"""The titles of the laws, regulations and policy documents the rules cite — written once, so that a
citation reads the same in every service, every refusal and every document (copy them from here; see
``../shared/domain`` for the sources)."""

APL = "《中华人民共和国行政处罚法》"
MEASURES = "《生态环境行政处罚办法》（生态环境部令第30号）"
PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》（苏州市生态环境局、苏州市司法局，2023-12-19）"
POINTS = "《2023年苏州市生态环境系统法治政府建设工作要点》"
RECONSIDERATION = "《中华人民共和国行政复议法》（2023年修订）"
LITIGATION = "《中华人民共和国行政诉讼法》"
# A legal basis field names the law without 《》 (e.g. "中华人民共和国行政处罚法第三十三条").
APL_NAME = APL.strip("《》")
OGI = "《中华人民共和国政府信息公开条例》"
PIPL = "《中华人民共和国个人信息保护法》"
# What a bureau configures where the law names no number.
LOCAL = "本地设置（法律未规定具体数值，由各局配置）"
