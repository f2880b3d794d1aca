"""Cases service: enterprises (by 统一社会信用代码), the lawful case workflow from 立案 to 决定, and the
events every later step (credit, audit) relies on."""
