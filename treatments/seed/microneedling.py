"""Microneedling as the clinic first published it, written in our own words from the
material the clinic gave us.

Migration 0003 writes this content; later migrations add what later fields carry
(``treatments.seed.microneedling_wording``). Where the source texts disagreed we wrote what
a careful clinic would say: usually three to six sessions, four to six weeks apart;
sessions of 30 to 60 minutes; a few days of redness rather than "no downtime". Every
figure stays editable in admin.
"""

from __future__ import annotations

SLUG = "microneedling"

TREATMENT = {
    "name": "Microneedling",
    "slug": SLUG,
    "summary": (
        "A skin treatment that uses very fine needles to prompt your skin's own repair, "
        "which may gradually soften scars, fine lines and uneven texture."
    ),
    "introduction": """\
Microneedling is also called **collagen induction therapy**. A clinician passes a small
device with very fine, sterile needles over your skin. The needles make tiny, controlled
punctures that you cannot see once the skin settles.

Your skin treats these punctures as small injuries and starts to repair them. While it
heals, it makes more **collagen** and **elastin**, the proteins that keep skin firm and
springy. Over the following weeks this may leave skin looking smoother and more even.

It is a minimally invasive treatment: nothing is cut and no stitches are needed. Most people
have a course of several sessions, because the repair builds up gradually.

Results differ from person to person. At your consultation a clinician looks at your skin,
asks about your health and tells you honestly whether microneedling is likely to help you.
""",
    "areas": "Face\nNeck\nDécolletage (upper chest)\nHands\nScalp, for thinning hair\n"
    "Stretch marks and scars on the body",
    "session_minutes_min": 30,
    "session_minutes_max": 60,
    "sessions_min": 3,
    "sessions_max": 6,
    "weeks_between_min": 4,
    "weeks_between_max": 6,
    "downtime": (
        "Your skin will usually be red, a little swollen and sensitive for a few days, rather "
        "like mild sunburn. Most people return to everyday activities within a day or two."
    ),
    "results_timeline": (
        "Some people notice a change about four weeks after the first session. Scars and fine "
        "lines can take up to three months to show a difference, and results vary."
    ),
    "side_effects": """\
Most side effects are mild and settle within a few days:

- redness, like mild sunburn
- some swelling
- skin that feels sensitive or tight
- minor bruising
- tiny spots of bleeding where the needles went in, during or just after the session

Serious problems are **rare**, but they can happen: an **infection** of the treated skin, or
**scarring**. Following the aftercare advice lowers the risk. Call us if your skin becomes
more painful, hot or swollen after the first couple of days, or if you see pus or a rash.
""",
    "preparation": """\
- For about a week before, keep your skin out of strong sun and avoid sunbeds.
- For three days before, stop retinoids (such as retinol or tretinoin), exfoliating acids and
  scrubs, unless your clinician tells you otherwise.
- Do not wax, thread or use hair-removal cream on the area for a few days before.
- Tell us if you have a cold sore, a breakout or any new rash. We may move your appointment.
- Tell us about any medicines you take, including blood thinners and acne tablets.
- Come with clean skin and no make-up if you can. Allow time for the numbing cream to work.
""",
    "price_from_pkr": None,
    "is_published": True,
    "order": 10,
    "seo_title": "Microneedling in Islamabad · Khan Aesthetic & Laser Clinic",
    "seo_description": (
        "Microneedling at our Islamabad clinic, explained plainly: what it may help, how a "
        "session works, recovery, aftercare and who should not have it."
    ),
}

BENEFITS = [
    (
        "Smoother skin texture",
        "As your skin renews itself, rough or uneven areas may feel and look smoother.",
    ),
    (
        "Softer fine lines and wrinkles",
        "New collagen may make fine lines less noticeable. Deeper wrinkles usually change less.",
    ),
    (
        "Acne scars and surgical scars",
        "Microneedling is often used for pitted acne scars and for flat scars from surgery. "
        "Scars tend to need the full course, and they may fade rather than disappear.",
    ),
    (
        "Stretch marks",
        "Stretch marks on the body may look less obvious after a course of treatment.",
    ),
    (
        "Enlarged pores",
        "Pores may look smaller as the skin around them becomes firmer.",
    ),
    (
        "More even tone and pigmentation",
        "Brown spots and patchy colour may gradually become less noticeable. "
        "Some kinds of pigmentation need a different treatment, and we will tell you if so.",
    ),
    (
        "Better absorption of skincare",
        "For a short time after a session, the tiny channels let serums reach deeper into the "
        "skin. We choose what goes on your skin at that point with care.",
    ),
    (
        "A fresher, healthier-looking glow",
        "Many people notice their skin looks brighter and more hydrated as it heals.",
    ),
    (
        "Support for hair growth on the scalp",
        "On the scalp, microneedling may help some types of hair loss, such as some forms of "
        "alopecia. A clinician first checks the cause of the hair loss.",
    ),
    (
        "Minimally invasive",
        "There is no cutting and no stitches, and recovery is usually a few days of redness.",
    ),
    (
        "Suitable for all skin types and tones",
        "Because it does not rely on heat or light, microneedling can be used on all skin "
        "types and on darker skin tones, with the settings chosen for your skin.",
    ),
]

PROCESS_STEPS = [
    (
        "Consultation",
        "A clinician looks at your skin, asks about your health, medicines and past "
        "treatments, and listens to what you would like to change. Together you decide "
        "whether microneedling suits you, and we explain the likely course and costs.",
    ),
    (
        "Preparation",
        "On the day, we cleanse the area thoroughly and apply a numbing cream. It takes a "
        "little while to work, so that the treatment is more comfortable.",
    ),
    (
        "Treatment",
        "The clinician moves a microneedling pen or roller across your skin. A motorised pen "
        "allows the needle depth to be set precisely: deeper for scars, shallower for general "
        "skin renewal. Most people feel a light scratching or vibration. A session takes about "
        "30 to 60 minutes, depending on the area.",
    ),
    (
        "Straight afterwards",
        "We apply a calming serum. Your skin will look red and may feel warm and tight, much "
        "like mild sunburn. You can go home straight away, and we give you written aftercare.",
    ),
]

AFTERCARE = [
    (
        "first_24_hours",
        "Wait at least 24 hours before wearing make-up.",
        "Tiny channels in the skin are still open. Make-up on freshly treated skin can irritate "
        "it or cause an infection.",
    ),
    (
        "first_24_hours",
        "Wash the area only with lukewarm water and a gentle, unscented cleanser.",
        "Pat dry with a clean towel. Do not rub or scrub.",
    ),
    (
        "first_24_hours",
        "Keep out of direct sun.",
        "Freshly treated skin burns and marks more easily. Wear a hat and stay in the shade.",
    ),
    (
        "first_24_hours",
        "Skip exercise, saunas, steam rooms and swimming.",
        "Heat, sweat and pool water can irritate healing skin.",
    ),
    (
        "first_week",
        "Apply a broad-spectrum sunscreen every morning, and reapply when outdoors.",
        "Choose SPF 30 or higher. Sun protection matters most in the first week.",
    ),
    (
        "first_week",
        "Moisturise with a plain, gentle moisturiser.",
        "Keeping the skin hydrated helps it heal. Mild dryness or flaking is normal.",
    ),
    (
        "first_week",
        "Avoid harsh products and active ingredients for a few days.",
        "That includes retinoids, exfoliating acids, vitamin C serums, scrubs and toners with "
        "alcohol. Your clinician will tell you when to restart them.",
    ),
    (
        "first_week",
        "Do not pick or scratch dry or flaking skin.",
        "Let it come away by itself to lower the risk of marks.",
    ),
    (
        "ongoing",
        "Keep using sunscreen every day.",
        "It protects the new skin and helps any improvement last.",
    ),
    (
        "ongoing",
        "Keep to the gap between sessions your clinician suggests.",
        "Your skin needs the weeks between sessions to repair.",
    ),
    (
        "ongoing",
        "Call us if something worries you.",
        "For example, pain or swelling that gets worse after two days, pus, a fever or a rash.",
    ),
]

CONTRAINDICATIONS = [
    (
        "Under 18",
        "",
        "We offer microneedling to adults only.",
        "rules_out",
    ),
    (
        "Active skin infection",
        "Do you have a skin infection in the area, such as a cold sore, an infected spot or "
        "an active acne breakout?",
        "Needles can spread an infection across the skin and slow healing. We wait until the "
        "infection has cleared completely.",
        "rules_out",
    ),
    (
        "Open wounds",
        "Do you have any open wounds, cuts or broken skin in the area to be treated?",
        "Broken skin needs to heal first; treating over it raises the risk of infection and "
        "delays healing.",
        "rules_out",
    ),
    (
        "Pregnancy or breastfeeding",
        "Are you pregnant or breastfeeding?",
        "Hormone changes can make skin react unpredictably. As a careful clinic we wait until "
        "after pregnancy and breastfeeding.",
        "rules_out",
    ),
    (
        "Eczema",
        "Do you have eczema in the area to be treated?",
        "Microneedling can make eczema flare. If it is active in the area, the treatment is "
        "usually not advised; a clinician will check your skin.",
        "discuss",
    ),
    (
        "Rosacea",
        "Do you have rosacea?",
        "Microneedling can worsen the redness and irritation of rosacea. A clinician will "
        "look at your skin and may suggest a gentler option.",
        "discuss",
    ),
    (
        "A rash",
        "Do you have a rash on the area to be treated?",
        "We need to know what is causing a rash before treating the skin, and it should settle "
        "first.",
        "discuss",
    ),
    (
        "Certain medicines",
        "Do you take blood thinners, or have you taken isotretinoin (Roaccutane) for acne in "
        "the last six months?",
        "Blood thinners can cause more bleeding and bruising. Isotretinoin makes skin fragile "
        "and slow to heal. Tell us about any medicines you take, and never stop a prescribed "
        "medicine without asking your doctor.",
        "discuss",
    ),
    (
        "Other skin conditions",
        "Do you have any other skin condition, or a tendency to raised or keloid scars?",
        "Some skin conditions, and a tendency to thick scars, can change whether microneedling "
        "is safe for you. A clinician will talk it through with you.",
        "discuss",
    ),
]

QUESTIONS = [
    (
        "Does microneedling hurt?",
        "Most people find it quite comfortable. We apply a numbing cream first, and you will "
        "usually feel a light scratching or vibrating feeling. Bony areas such as the forehead "
        "can feel more sensitive. Tell the clinician at any time if you want a pause.",
    ),
    (
        "How many sessions will I need?",
        "Usually between three and six sessions, spaced four to six weeks apart. Scars often "
        "need more sessions than general skin renewal. Your clinician will suggest a plan "
        "after looking at your skin.",
    ),
    (
        "How long is the downtime?",
        "Expect redness, some swelling and sensitivity for a few days, a bit like mild "
        "sunburn. Most people go back to work and everyday activities within a day or two, "
        "but wait at least 24 hours before wearing make-up.",
    ),
    (
        "When will I see results?",
        "Some people notice a difference about four weeks after the first session. Scars and "
        "fine lines can take up to three months to change, because new collagen forms slowly. "
        "Everyone responds differently, so we cannot promise a particular result.",
    ),
    (
        "Can microneedling be combined with PRP or serums?",
        "Yes. Microneedling is sometimes combined with platelet-rich plasma (PRP), made from a "
        "small sample of your own blood, or with chosen serums. Whether a combination makes "
        "sense for you is something to discuss at your consultation.",
    ),
    (
        "Why not use a microneedling roller at home?",
        "Home rollers are hard to keep sterile, their needles blunt quickly, and without "
        "training it is easy to press too hard or treat skin that should not be treated. That "
        "can lead to infection, irritation or marks. In the clinic, sterile single-use needles "
        "are used by a trained clinician at the right depth for your skin.",
    ),
    (
        "Is microneedling safe for darker skin?",
        "Yes, microneedling is generally suitable for darker skin tones, because it does not "
        "use heat or light. Darker skin can still develop temporary dark patches after any "
        "injury, so careful settings and sun protection afterwards matter.",
    ),
    (
        "What can microneedling not do?",
        "It cannot lift sagging skin the way surgery can, and it does not remove deep scars "
        "completely. It works gradually, over a course of sessions.",
    ),
    (
        "Can I have it if I have active acne?",
        "Not during a breakout. Treating over active spots can spread bacteria. We treat acne "
        "scars once the skin has settled.",
    ),
]
