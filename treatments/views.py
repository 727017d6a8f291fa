from django.shortcuts import get_object_or_404, render

from treatments.models import Treatment


def treatment_list(request):
    return render(
        request, "treatments/treatment_list.html", {"treatments": Treatment.objects.published()}
    )


def overview(request, slug):
    treatment = get_object_or_404(Treatment.objects.published(), slug=slug)
    return render(request, "treatments/overview.html", {"treatment": treatment})
