"""Microneedling's own wording for the fields that hold each treatment's page headings,
lead paragraphs and search descriptions, the note after its session length (numbing
cream) and the aftercare email's advice on when to call.

Migration 0007 writes them, and gives the medicines question its six-month look-back.
"""

from __future__ import annotations

WORDING = {
    "name_in_sentence": "microneedling",
    "session_time_note": "plus time for numbing cream",
    "when_to_call": (
        "if your skin becomes more painful, hot or swollen after the first couple of days, "
        "or if anything worries you"
    ),
    "benefits_heading": "What microneedling may help with",
    "benefits_lead": (
        "Many people have microneedling for one or two of these reasons. How much it helps "
        "differs from person to person, and no result can be promised."
    ),
    "benefits_description": (
        "What microneedling may help with, from skin texture and scars to pores and tone, "
        "explained honestly and without promises."
    ),
    "process_heading": "How a microneedling session works",
    "process_lead": "Here is what happens, from the first conversation to going home.",
    "process_description": (
        "What happens at a microneedling appointment, step by step: consultation, numbing "
        "cream, the treatment itself and straight afterwards."
    ),
    "aftercare_heading": "Aftercare after microneedling",
    "aftercare_lead": (
        "Good aftercare helps your skin heal calmly and lowers the risk of problems. We give "
        "you these instructions in writing on the day too."
    ),
    "aftercare_description": (
        "How to look after your skin after microneedling: the first 24 hours, the first week "
        "and afterwards, plus the side effects to expect."
    ),
    "contraindications_heading": "Who should not have microneedling",
    "contraindications_lead": (
        "Microneedling is not right for everyone. When you book, we ask you these questions "
        "so a clinician can check before your visit."
    ),
    "contraindications_description": (
        "When microneedling is not suitable, or needs a conversation with a clinician first: "
        "skin conditions, infections, medicines and age."
    ),
    "faq_heading": "Microneedling: questions and answers",
    "faq_lead": (
        "Answers to what patients ask us most. If your question is not here, ask us and a "
        "clinician will reply."
    ),
    "faq_description": (
        "Answers to common questions about microneedling: pain, number of sessions, downtime, "
        "results and safety for darker skin."
    ),
}

# The medicines question asked about "the last six months" before the form was filled in;
# what matters is the six months before the appointment, so the form now gives the dates.
MEDICINES = "Certain medicines"
MEDICINES_QUESTION_BEFORE = (
    "Do you take blood thinners, or have you taken isotretinoin (Roaccutane) for acne in "
    "the last six months?"
)
MEDICINES_QUESTION = "Have you taken isotretinoin (Roaccutane) for acne, or any blood thinners?"
MEDICINES_LOOKBACK = (6, "months")
