from django.core.management.base import BaseCommand

from ratings.services import rating_asks_send


class Command(BaseCommand):
    help = "Ask once for the rating of every service that ended recently (cron or Celery beat)."

    def handle(self, *args, **options):
        count = rating_asks_send()
        self.stdout.write(f"{count} rating request(s) sent.")
