import re
from xml.etree import ElementTree

import pytest

from tests.factories import TreatmentFactory
from tests.treatments.helpers import ALL_PATHS, SECTION_PATHS, by_type, json_ld

pytestmark = pytest.mark.django_db
SITE = "https://khanclinic.example"


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_page_has_json_ld_that_parses_with_breadcrumbs(client, microneedling, path):
    response = client.get(path)
    items = json_ld(response)  # json.loads on each block
    assert items
    crumbs = by_type(response, "BreadcrumbList")["itemListElement"]
    assert crumbs[0]["item"] == SITE + "/"
    assert crumbs[-1]["item"] == SITE + path


@pytest.mark.parametrize("path", ALL_PATHS[:-1])
def test_public_pages_name_the_clinic_in_json_ld(client, microneedling, path):
    assert by_type(client.get(path), "MedicalClinic")["name"]


def test_overview_describes_the_medical_procedure_from_its_steps_and_aftercare(
    client, microneedling
):
    procedure = by_type(client.get(SECTION_PATHS["overview"]), "MedicalProcedure")
    assert procedure["name"] == "Microneedling"
    assert procedure["url"] == SITE + "/treatments/microneedling/"
    assert "numbing cream" in procedure["howPerformed"]
    assert "retinoids" in procedure["preparation"]
    assert "sunscreen" in procedure["followup"]
    assert "Face" in procedure["bodyLocation"]


def test_faq_page_has_faq_structured_data_with_every_published_question(client, microneedling):
    faq = by_type(client.get(SECTION_PATHS["faq"]), "FAQPage")
    names = [q["name"] for q in faq["mainEntity"]]
    assert "Does microneedling hurt?" in names
    assert all(q["acceptedAnswer"]["text"] for q in faq["mainEntity"])


def test_json_ld_cannot_be_closed_by_content(client):
    TreatmentFactory(slug="x", name="</script><script>alert(1)</script>", summary="a & b")
    html = client.get("/treatments/x/").content.decode()
    assert "</script><script>alert(1)" not in html


@pytest.mark.parametrize("path", ALL_PATHS[:-1])
def test_pages_have_canonical_and_open_graph_tags(client, microneedling, path):
    html = client.get(path).content.decode()
    assert f'<link rel="canonical" href="{SITE}{path}">' in html
    assert re.search(r'<meta property="og:title" content="[^"]+">', html)
    assert re.search(r'<meta property="og:description" content="[^"]+">', html)


def test_overview_uses_the_seo_title_and_description_staff_wrote(client, microneedling):
    html = client.get(SECTION_PATHS["overview"]).content.decode()
    assert f"<title>{microneedling.seo_title.replace('&', '&amp;')}</title>" in html
    assert microneedling.seo_description in html


def test_sitemap_lists_every_public_treatment_page_with_lastmod(client, microneedling):
    TreatmentFactory(slug="draft", is_published=False)
    response = client.get("/sitemap.xml")
    tree = ElementTree.fromstring(response.content)  # noqa: S314 - our own sitemap
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entries = {
        url.find("s:loc", ns).text: url.find("s:lastmod", ns) for url in tree.findall("s:url", ns)
    }
    for path in ["/treatments/", *SECTION_PATHS.values()]:
        assert f"http://testserver{path}" in entries, path
        assert entries[f"http://testserver{path}"] is not None
    assert not any("/draft/" in loc for loc in entries)
    assert not any("/ask/" in loc for loc in entries)
