from django.core.management.base import BaseCommand, CommandError

from bangfu.matching_runs.training import train_success_model
from bangfu.regions.models import Region


class Command(BaseCommand):
    help = "Fit the referral success model on closed referrals; print AUC and Brier score."

    def add_arguments(self, parser):
        parser.add_argument("region", help="region code (its county's referrals are used)")
        parser.add_argument("--min-outcomes", type=int, default=300)
        parser.add_argument("--test-share", type=float, default=0.25)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        try:
            region = Region.objects.get(code=options["region"])
        except Region.DoesNotExist:
            raise CommandError(f"No region with code {options['region']!r}.") from None
        metrics = train_success_model(
            region=region,
            min_outcomes=options["min_outcomes"],
            test_share=options["test_share"],
            random_state=options["seed"],
        )
        if metrics["is_prior"]:
            self.stdout.write(
                f"{metrics['outcomes']} closed referrals: fewer than {options['min_outcomes']}, "
                "the model predicts the prior success rate."
            )
        if metrics["n"]:
            self.stdout.write(
                f"held-out outcomes {metrics['n']}: AUC {metrics['auc']:.3f}, "
                f"Brier {metrics['brier']:.4f} (prior {metrics['brier_prior']:.4f})"
            )
        self.stdout.write(f"saved {metrics['artifact']}")
