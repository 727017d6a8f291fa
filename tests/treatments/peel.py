"""A second treatment, written for the tests: a light chemical peel. The content is
invented but plausible, in the same calm register as the clinic's own pages."""

TREATMENT = {
    "name": "Chemical peel",
    "name_in_sentence": "a chemical peel",
    "slug": "chemical-peel",
    "order": "20",
    "summary": (
        "A mild acid solution, left on the skin for a few minutes, loosens its outer layer "
        "and may gradually even out tone and soften fine lines."
    ),
    "introduction": (
        "A chemical peel uses a carefully chosen solution, such as glycolic or lactic acid. "
        "A clinician applies it to clean skin for a few minutes, then removes it.\n\n"
        "Over the following days the outer layer of skin loosens and comes away, and fresher "
        "skin shows underneath. We offer light peels, with the strength chosen for your skin.\n\n"
        "Results differ from person to person. At your consultation a clinician checks "
        "whether a peel suits your skin and explains what to expect."
    ),
    "areas": "Face\nNeck\nHands",
    "session_minutes_min": "30",
    "session_minutes_max": "45",
    "session_time_note": "including time to prepare your skin",
    "sessions_min": "3",
    "sessions_max": "5",
    "weeks_between_min": "2",
    "weeks_between_max": "4",
    "downtime": (
        "Skin may look pink and feel tight for a day or two, then flake lightly for up to a week."
    ),
    "results_timeline": (
        "Skin may look fresher once the flaking settles, after about a week. Changes in tone "
        "build up over a course, and results vary."
    ),
    "side_effects": (
        "- stinging or warmth while the solution is on the skin\n"
        "- pinkness and tightness for a day or two\n"
        "- light flaking for several days\n\n"
        "Less often, patches of skin turn darker or lighter, especially after sun. Rarely, a "
        "peel causes blistering, infection or scarring."
    ),
    "preparation": (
        "- For two weeks before, keep out of strong sun and wear sunscreen every day.\n"
        "- For five days before, stop retinoids and exfoliating products on the area.\n"
        "- Do not wax or use hair-removal cream on the area in the week before."
    ),
    "when_to_call": "if your skin blisters, weeps or becomes very painful, or if anything worries you",
    "benefits_heading": "What a chemical peel may help with",
    "benefits_lead": (
        "People choose a peel for a brighter, more even look. How much it helps varies, and we "
        "never promise a result."
    ),
    "benefits_description": "What a light chemical peel may help with: uneven tone, dullness and fine lines.",
    "process_heading": "How a chemical peel session works",
    "process_lead": "From cleansing your skin to leaving the clinic, step by step.",
    "process_description": "A chemical peel appointment, step by step: consultation, cleansing, the peel and afterwards.",
    "aftercare_heading": "Aftercare after a chemical peel",
    "aftercare_lead": "Gentle care while your skin renews itself keeps it comfortable and protected.",
    "aftercare_description": "Looking after your skin after a chemical peel, day by day.",
    "contraindications_heading": "Who should not have a chemical peel",
    "contraindications_lead": (
        "A peel is not right for every skin or every moment. We ask these questions when you "
        "book so a clinician can check first."
    ),
    "contraindications_description": "When a chemical peel has to wait, or needs a talk with a clinician first.",
    "faq_heading": "Chemical peels: questions and answers",
    "faq_lead": "What patients often ask us about peels.",
    "faq_description": "Common questions about chemical peels: stinging, flaking and how many sessions.",
    "seo_title": "Chemical peels in Islamabad · Khan Aesthetic & Laser Clinic",
    "seo_description": "Light chemical peels at our Islamabad clinic, explained plainly.",
}

BENEFITS = [
    ("More even skin tone", "Patchy colour may become less noticeable over a course."),
    ("Softer fine lines", "Fine lines may look softer as fresher skin shows through."),
    ("A brighter look", "Skin often looks brighter once the flaking has settled."),
]

PROCESS_STEPS = [
    ("Consultation", "A clinician looks at your skin and asks about your health and skincare."),
    ("Cleansing", "We cleanse the area and protect the corners of your eyes and lips."),
    (
        "Applying the peel",
        "The clinician brushes on the solution and times it carefully. Most people feel warmth "
        "or stinging for a few minutes.",
    ),
    ("Afterwards", "We remove the solution and apply a soothing cream and sunscreen."),
]

AFTERCARE = [
    ("first_24_hours", "Keep out of the sun.", "Freshly peeled skin burns easily."),
    ("first_week", "Let flaking skin come away by itself.", "Pulling it can leave marks."),
    ("ongoing", "Wear a broad-spectrum sunscreen every day.", ""),
]

# (name, question, look-back amount, unit, severity, explanation)
CONTRAINDICATIONS = [
    ("Under 18", "", "", "", "rules_out", "We offer peels to adults only."),
    (
        "A recent peel, laser or waxing",
        "Have you had a peel, laser treatment or waxing on the area?",
        "14",
        "days",
        "discuss",
        "Skin needs time to settle between treatments.",
    ),
    (
        "Sunburn",
        "Have you had sunburn on the area?",
        "2",
        "weeks",
        "discuss",
        "A peel on sun-damaged skin stings more and heals more slowly.",
    ),
    (
        "Isotretinoin (Roaccutane)",
        "Have you taken isotretinoin (Roaccutane)?",
        "6",
        "months",
        "rules_out",
        "It leaves skin fragile for months after the last dose.",
    ),
    (
        "Pregnancy or breastfeeding",
        "Are you pregnant or breastfeeding?",
        "",
        "",
        "rules_out",
        "We wait until after pregnancy and breastfeeding.",
    ),
]

QUESTIONS = [
    (
        "Does a chemical peel hurt?",
        "Most people feel warmth or stinging for a few minutes. It eases once the solution "
        "is removed.",
    ),
    (
        "Will my skin visibly peel?",
        "Usually it flakes lightly for a few days rather than peeling in sheets.",
    ),
]

# What is microneedling's alone: none of it may appear on the peel's pages or emails.
MICRONEEDLING_WORDS = ("needle", "collagen induction", "numbing cream", "microneedling")


def admin_form(base: dict) -> dict:
    """The add form's data with the peel and all its parts, as an editor would post it."""
    data = {k: v for k, v in base.items() if "__prefix__" not in k} | TREATMENT
    inlines = {
        "benefits": [{"title": t, "body": b} for t, b in BENEFITS],
        "process_steps": [{"title": t, "body": b} for t, b in PROCESS_STEPS],
        "aftercare": [{"period": p, "text": t, "detail": d} for p, t, d in AFTERCARE],
        "contraindications": [
            {
                "name": name,
                "screening_question": question,
                "lookback_amount": amount,
                "lookback_unit": unit,
                "severity": severity,
                "explanation": explanation,
            }
            for name, question, amount, unit, severity, explanation in CONTRAINDICATIONS
        ],
        "questions": [{"question": q, "answer": a, "is_published": "on"} for q, a in QUESTIONS],
    }
    for prefix, rows in inlines.items():
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-order"] = str((i + 1) * 10)
            for name, value in row.items():
                data[f"{prefix}-{i}-{name}"] = value
    return data
