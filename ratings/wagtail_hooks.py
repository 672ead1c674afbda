"""The admin menu item "Ratings": every rating, low ones to follow up."""

from wagtail import hooks

from ratings.admin_views import RatingViewSet


@hooks.register("register_admin_viewset")
def register_ratings_viewset():
    return RatingViewSet()
