--- The built-in codebook for UK primary-care policy documents.
-- Fifteen topical themes with sub-themes, including the themes the seed
-- papers report themselves (seed 000's eight, seeds 001/002's three) under
-- the topic they belong to.  Case-insensitive words and phrases with
-- trailing wildcards; acronyms that are also common words or that would
-- clash in lower case are exact-case.
local cb = require "qualua.codebook"
local exact, near, rule = cb.exact, cb.near, cb.rule

return cb.codebook "Primary care" {
  description = "Themes of UK primary-care policy: workforce, money, integration, data, access, "
             .. "estates, prevention, the voluntary sector, pharmacy/optometry/dentistry, power, "
             .. "equity, policy churn, leadership, implementation and communication.",
  unit = "sentence",

  cb.theme "Workforce" {
    description = "Staffing of general practice and primary care: numbers, recruitment, retention, roles, morale.",
    color = "#1f77b4",
    "workforce*", "staffing", "understaff*", "vacanc*", "locum*", "headcount",
    "general practitioner*", "GP partner*", "salaried GP*", "practice nurse*", "nurse practitioner*",
    "trainee*", "training place*", "full-time equivalent", exact "FTE", exact "WTE",
    "skill mix", "workload*",
    cb.stem "clinician",
    near({"GP", "GPs", "doctor*", "nurse*", "staff"}, {"shortage*", "shortfall*", "gap*", "lack"}, 4),
    cb.theme "Recruitment and retention" {
      description = "Attracting, training and keeping staff; leaving and early retirement.",
      "recruit*", "retention", "retain*", "attrition", "turnover",
      "retir*", "early retirement", "leaving the profession", "leave the profession",
      "intention to leave", "newly qualified", "early career",
      exclude = { "retention of records", "data retention" },
    },
    cb.theme "ARRS roles" {
      description = "The Additional Roles Reimbursement Scheme and the roles it funds.",
      exact "ARRS", "additional roles", "Additional Roles Reimbursement Scheme",
      "clinical pharmacist*", "physician associate*", "first contact physiotherapist*",
      "paramedic*", "care coordinator*", "health and wellbeing coach*", "social prescribing link worker*",
      "mental health practitioner*", "new roles",
    },
    cb.theme "Morale and wellbeing" {
      description = "Morale, burnout, stress and the valuing of staff.",
      "morale", "demoralis*", "demoraliz*", "burnout", "burn-out", "burned out", "burnt out",
      "exhaust*", "stress", "stressed", "wellbeing of staff", "staff wellbeing", "job satisfaction",
      "dissatisf*", "moral injury", "valued", "undervalued", "feel* valued",
    },
    cb.theme "Valuing the workforce" {
      description = "Seed 000 theme 7: valuing the workforce, a key to morale and retention.",
      "valuing the workforce", "value the workforce", "valuing staff",
      near({"valu*", "morale"}, {"workforce", "retention", "staff"}, 6),
    },
  },

  cb.theme "Funding and contracts" {
    description = "Money for primary care and the contracts it flows through.",
    color = "#ff7f0e",
    "funding", "funded", "fund", "resourcing", "under-resourc*", "resource allocation", "investment*",
    "invest", "budget*", "financ*",
    "spending", "expenditure", "income", "deficit*", "cost pressure*", "real terms", "real-terms",
    "capitation", "global sum", "Carr-Hill", "Carr-Hill formula", "allocation formula",
    "contract*", "contractual", exact "GMS", exact "PMS", exact "APMS",
    "General Medical Services", "Quality and Outcomes Framework", exact "QOF",
    "enhanced service*", exact "DES", "Network Contract", "payment*", "reimburse*", "tariff*",
    "activity-based", "block contract*",
    cb.theme "Under-investment" {
      description = "Seed 000 theme 2: under-investment in primary care.",
      "under-investment", "underinvestment", "underinvest*", "underfund*", "under-fund*",
      "chronic underfunding", "lack of investment", "disinvest*", "austerity",
      near({"share", "proportion"}, {"funding", "budget", "spend*"}, 4),
    },
    cb.theme "Pensions and partnership" {
      description = "Pensions, partnership models and limited liability partnerships.",
      "pension*", "partnership model", "GP partnership*", "partnership agreement*", exact "LLP", exact "LLPs",
      "limited liability", "unlimited liability", "last-person-standing", "last person standing",
      "indemnity",
    },
  },

  cb.theme "Integration and collaboration" {
    description = "Working across organisations: networks, integrated care, neighbourhoods, pooled money.",
    color = "#2ca02c",
    "integrat*", "collaborat*", "partnership working", "joined-up", "joint working", "multidisciplinary",
    "multi-disciplinary", exact "MDT", exact "MDTs", "system working", "interface*", "fragment*",
    "federat*", "at scale", "working together", "shared care", "coordinat*", "co-ordinat*",
    cb.theme "Primary care networks" {
      description = "PCNs and the network contract.",
      "primary care network*", exact "PCN", exact "PCNs", "network*",
    },
    cb.theme "Integrated care boards and systems" {
      description = "ICBs, ICSs and system-level commissioning.",
      "integrated care board*", "integrated care system*", "integrated care partnership*",
      exact "ICB", exact "ICBs", exact "ICS", exact "ICSs", exact "ICP", exact "ICPs",
      "commissioner*", "commissioning", "delegat*",
    },
    cb.theme "Neighbourhood teams" {
      description = "Neighbourhood health, integrated neighbourhood teams, provider collaboratives.",
      "neighbourhood*", "neighborhood*", "integrated neighbourhood team*", "neighbourhood health centre*",
      "provider collaborative*", "place-based", "place level", "at place", "community service*",
      "community health service*",
    },
    cb.theme "Pooled budgets" {
      description = "Pooled and aligned budgets, Section 75 agreements, the Better Care Fund.",
      "pooled budget*", "pooling", "pooled fund*", "aligned budget*", "section 75", "s75",
      "Better Care Fund", "joint commissioning",
    },
    cb.theme "Place-based collaboration" {
      description = "Seeds 001/002 theme 2: place-based interorganisational collaboration.",
      "place-based interorganisational collaboration", "interorganisational", "inter-organisational",
      "interorganizational", near("place-based", {"collaborat*", "partnership*"}, 5),
    },
  },

  cb.theme "Digital and data" {
    description = "Digital tools, records and data: interoperability, shared records, apps, AI, data governance.",
    color = "#d62728",
    "digital*", "technolog*", "online", "e-consultation*", "online consultation*", "video consultation*",
    "telephony", "telehealth", "telemedicine", "remote monitoring", "IT system*", exact "IT",
    "interoperab*", "shared record*", "shared care record*", "patient record*", "health record*",
    "electronic patient record*", "electronic health record*", exact "EPR", exact "EPRs", exact "EHR", exact "EHRs",
    "NHS App", "app", "apps", "GP Connect", "Federated Data Platform", exact "FDP",
    "artificial intelligence", exact "AI", "AI-assisted", "AI-enabled", "machine learning", "algorithm*",
    "patient data", "health data", "data sharing", "data-sharing", "data infrastructure", "data controller*", "data protection", "information governance",
    "cyber*", "software", "EMIS", "SystmOne",
  },

  cb.theme "Access and continuity" {
    description = "Getting care: appointments, waits, demand, triage, continuity of care.",
    color = "#9467bd",
    "access", "accessing", "accessible", "appointment*", "same-day", "same day", "8am",
    "waiting time*", "waiting list*", "wait", "waits", "waiting", "demand", "unmet need*",
    "triage", "total triage", "face-to-face", "see a GP", "seen by", "GP Patient Survey",
    "extended access", "enhanced access", "out of hours", "out-of-hours", "urgent care",
    "continuity", "continuity of care", "relational continuity", "named GP", "usual GP",
    "patient experience", "patient satisfaction",
  },

  cb.theme "Estates and infrastructure" {
    description = "Buildings and physical infrastructure of primary care.",
    color = "#8c564b",
    "estate*", "premises", "building*", "infrastructure", "capital", "capital investment",
    "health centre*", "health center*", "consulting room*", "clinical space", "space", "rooms",
    "lease*", "rent", "rent reimbursement", "NHS Property Services", exact "LIFT",
    "fit for purpose", "maintenance", "floor area", "square metre*", "Premises Cost Directions",
    "hub", "hubs", "co-locat*", "colocat*",
  },

  cb.theme "Prevention and population health" {
    description = "Prevention, public health, screening, long-term conditions and population health management.",
    color = "#e377c2",
    "prevent*", "preventive", "preventative", "public health", "population health", "population health management",
    "screening", "vaccin*", "immunis*", "immuniz*", "health check*", "NHS Health Check*",
    "smoking", "smoking cessation", "obesity", "weight management", "physical activity",
    "early intervention", "secondary prevention", "proactive care", "long-term condition*", "long term condition*",
    "chronic disease*", "chronic illness*", "chronic condition*", "multimorbidity", "multi-morbidity",
    "hypertension", "diabetes", "self-care", "self-management", "wider determinants", "health promotion",
  },

  cb.theme "Voluntary and community sector" {
    description = "The voluntary, community and social enterprise sector and social prescribing.",
    color = "#7f7f7f",
    exact "VCSE", exact "VCS", exact "VSCE", "voluntary sector", "voluntary organisation*", "voluntary, community and social enterprise",
    "voluntary and community", "community sector", "third sector", "charit*", "social enterprise*",
    "volunteer*", "community group*", "community organisation*", "faith group*", "faith organisation*",
    "social prescrib*", "link worker*", "community connector*", "grant funding", "grants",
  },

  cb.theme "Community pharmacy, optometry and dentistry" {
    description = "The other primary-care contractor groups.",
    color = "#bcbd22",
    "pharmac*", "chemist*", "Pharmacy First", "Community Pharmacy Contractual Framework", exact "CPCF",
    "optometr*", "optician*", "eye care", "sight test*", "dentist*", "dental", "dentistry", "oral health",
    exact "UDA", exact "UDAs", "units of dental activity", exact "POD", "contractor group*",
  },

  cb.theme "Governance, power and autonomy" {
    description = "Who decides: centralisation, autonomy, accountability, regulation and oversight.",
    color = "#17becf",
    "governance", "accountab*", "regulat*", "regulator*", exact "CQC", "Care Quality Commission",
    "inspection*", "oversight", "performance manag*", "target*", "centralis*", "centraliz*",
    "decentralis*", "decentraliz*", "top-down", "micromanag*", "autonomy", "autonomous",
    "independent contractor*", "independent contractor model", "NHS England", exact "NHSE", exact "DHSC",
    "Department of Health", "ministers", "national level", "local discretion", "devolv*", "devolution",
    "bureaucra*", "red tape", "mandat*",
    cb.theme "Power and autonomy" {
      description = "Seed 000 theme 1: dynamics of power and autonomy.",
      "power and autonomy", "dynamics of power", "power dynamic*", "earned autonomy",
      near("power*", {"autonomy", "control"}, 5), "loss of autonomy", "professional autonomy",
    },
    cb.theme "Primary care voice" {
      description = "Seeds 001/002 theme 3: a collective voice for primary care in the system.",
      "collective voice", "primary care voice", near("voice", {"primary care", "general practice", "collective"}, 5),
      "seat at the table", "represent* primary care", "clinical leadership",
    },
  },

  cb.theme "Equity and inequalities" {
    description = "Unequal need and provision: deprivation, rurality, coastal areas, digital exclusion.",
    color = "#aec7e8",
    "inequalit*", "inequit*", "equity", "equitable", "health inequalit*", "disparit*",
    "depriv*", "poverty", "socioeconomic*", "socio-economic", "disadvantaged", "underserved", "under-served",
    "rural*", "remote area*", "coastal", "inverse care law", "digital exclusion", "digitally excluded",
    "digital divide", "digital literacy", "vulnerable", "marginalis*", "ethnic minorit*", "homeless*",
    "Core20PLUS5", "levelling up", "postcode lottery", "variation",
  },

  cb.theme "Policy churn" {
    description = "Reorganisation, short-termism and the revolving door of policy and leadership.",
    color = "#ffbb78",
    "churn", "reorganis*", "reorganiz*", "restructur*", "reform*", "initiative*", "pilot*",
    "short-term*", "short term", "stop-start", "policy change*", "changing priorities", "new plan",
    "10 Year Health Plan", "Long Term Plan", "Five Year Forward View", "white paper", "abolish*",
    "merger*", "merge*",
    cb.theme "Revolving door" {
      description = "Seed 000 theme 6: the revolving door of policy and leadership.",
      "revolving door", "turnover of leaders", "leadership turnover", "frequent changes",
      near({"revolving", "constant", "frequent"}, {"policy", "policies", "leadership", "leaders", "change*"}, 4),
    },
  },

  cb.theme "Leadership and trust" {
    description = "Leadership, relationships and trust between organisations, professions and the public.",
    color = "#98df8a",
    "leadership", "leader*", "trust", "trusted", "mistrust", "distrust", "relationship*",
    "culture", "goodwill", "confidence", "legitimacy", "buy-in", "credibility",
    exclude = { "NHS trust", "NHS trusts", "hospital trust", "hospital trusts", "foundation trust", "foundation trusts" },
    cb.theme "Building trust" {
      description = "Seed 000 theme 5: building trust through relationships and leadership.",
      "building trust", "build trust", "trust-building", "rebuild* trust",
      near({"trust"}, {"relationship*", "leadership"}, 6),
    },
  },

  cb.theme "Policy and implementation" {
    description = "Turning policy into practice: alignment, implementation gaps, complexity and change.",
    color = "#ff9896",
    "implement*", "policy objective*", "policy maker*", "policymaker*", "policy-maker*",
    "rollout", "roll-out", "roll out", "delivery plan*", "translate*", "in practice",
    cb.theme "Aligning policy and implementation" {
      description = "Seed 000 theme 3: aligning policy and implementation.",
      "aligning policy", "policy alignment", "misalign*", "implementation gap",
      near({"align*"}, {"policy", "policies", "implementation", "objectives"}, 5),
      near({"policy", "policies"}, {"implementation"}, 3),
    },
    cb.theme "Navigating complexity and change" {
      description = "Seed 000 theme 4: navigating complexity and change.",
      "navigating complexity", "complex system*", "complexity", "change management", "managing change",
      near({"navigat*"}, {"complex*", "change"}, 5),
    },
    cb.theme "Supporting general practice" {
      description = "Seeds 001/002 theme 1: supporting general practice.",
      "supporting general practice", "support general practice", "support for general practice",
      "struggling", "stabilis*", "sustainab*", "resilien*",
      near({"support*"}, {"general practice", "practices"}, 3),
    },
  },

  cb.theme "Communication and engagement" {
    description = "Seed 000 theme 8 and beyond: strategic communication, media and public engagement.",
    color = "#c5b0d5",
    "strategic communication*", "media engagement", "media", "communication*", "messaging", "narrative*",
    "public engagement", "patient engagement", "engagement", "engage*", "co-produc*", "co-design*",
    "patient participation", "Healthwatch", "public perception*", "public understanding",
    "campaign*", "lobby*", "advocacy",
  },
}
