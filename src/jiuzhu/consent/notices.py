"""The notice shown to a person before they authorize verification (告知书), shipped as version 2026-01.

A notice is never edited in place: a changed text is a new ``VERSION``; the records keep the version and the
SHA-256 of the text they were shown (``models.ConsentNotice``). The categories and sources listed are the scope a
consent gives (ISO/IEC TS 27560 "data categories" and "sources"); the exchange format names the same sources.
"""

from __future__ import annotations

CODE = "verification"
VERSION = "2026-01"
LEGAL_BASIS = "《社会救助暂行办法》第五十八条；《中华人民共和国个人信息保护法》第十三条、第十四条"

# Data categories (what is looked up) and sources (who holds it), domain.md §6.
CATEGORIES = ("identity_hukou", "income", "social_insurance", "pensions_benefits", "tax", "financial_assets",
              "insurance", "securities", "real_estate", "vehicles", "businesses", "provident_fund", "disability",
              "medical_costs", "marriage", "education", "death_funeral")
SOURCES = ("public_security", "human_resources_social_security", "medical_insurance", "tax", "market_regulation",
           "real_estate", "housing_provident_fund", "disabled_persons_federation", "civil_affairs", "education",
           "banks", "insurers", "securities_firms")

TEXTS = {
    "zh": ("家庭经济状况核对授权书", """\
为办理社会救助（最低生活保障、特困人员救助供养、低收入人口认定等）的申请、定期复核和抽查，
民政部门需要向有关部门和金融机构核对您的家庭经济状况。

核对的内容：户籍和身份、工资等收入、社会保险和养老金、纳税、存款等金融资产、商业保险、证券、
房产、车辆、工商登记、住房公积金、残疾人证、医疗费用、婚姻、就学、死亡和殡葬信息。

向谁核对：公安、人力资源和社会保障、医疗保障、税务、市场监管、不动产登记、住房公积金、残联、
民政、教育等部门，以及银行、保险公司和证券公司。

依据：《社会救助暂行办法》第五十八条；《中华人民共和国个人信息保护法》第十三条、第十四条。

查到的信息只用于本次社会救助的审核确认和复核，不作其他用途，并依法保密。
您可以随时撤回授权；撤回后不再向任何部门查询，撤回前已经查到的信息仍会保留，用于已经办理的事项。
不同意授权的，民政部门无法核对您的家庭经济状况，可能无法办理相关救助。
"""),
    "en": ("Authorization to verify the household's economic situation", """\
To handle an application for social assistance (minimum living guarantee, support for persons in extreme
poverty, low-income status …), its periodic reviews and spot checks, the civil-affairs office needs to verify
your household's economic situation with the departments and financial institutions that hold the data.

What is verified: household registration and identity, wages and other income, social insurance and pensions,
taxes, deposits and other financial assets, insurance, securities, real estate, vehicles, business registrations,
housing provident fund, disability certificate, medical costs, marriage, schooling, death and funeral records.

With whom: public security, human resources and social security, medical insurance, tax, market regulation,
real-estate registration, housing provident fund, disabled persons' federation, civil affairs, education, and
banks, insurers and securities firms.

Legal basis: Interim Measures on Social Assistance art. 58; Personal Information Protection Law arts. 13 and 14.

What is found is used only to decide and review this assistance, for no other purpose, and kept confidential.
You may withdraw the authorization at any time: no department is asked again after that; what was found before
is kept for what was already decided. Without the authorization the office cannot verify your household's
situation and may be unable to grant the assistance.
"""),
}
