from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from treatments.models import Treatment


class StaticPagesSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return ["home", "contact", "privacy", "bookings:book"]

    def location(self, item):
        return reverse(item)


class TreatmentPagesSitemap(Sitemap):
    """The treatment list and every page of each published treatment's section."""

    changefreq = "monthly"
    priority = 0.8
    SECTION_URL_NAMES = [
        "treatments:overview",
        "treatments:benefits",
        "treatments:process",
        "treatments:aftercare",
        "treatments:contraindications",
        "treatments:faq",
    ]

    def items(self):
        treatments = list(Treatment.objects.published().only("slug", "updated_at"))
        latest = Treatment.objects.published().aggregate(latest=Max("updated_at"))["latest"]
        items = [("treatments:list", None, latest)]
        for treatment in treatments:
            items += [
                (name, treatment.slug, treatment.updated_at) for name in self.SECTION_URL_NAMES
            ]
        return items

    def location(self, item):
        name, slug, _ = item
        return reverse(name, kwargs={"slug": slug}) if slug else reverse(name)

    def lastmod(self, item):
        return item[2]


SITEMAPS = {"pages": StaticPagesSitemap, "treatments": TreatmentPagesSitemap}
