"""``manage.py train_risk_model``: learn the warnings' risk score from past verifications."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bangfu.discovery.risk import NotEnoughHistory
from bangfu.discovery.scoring import RISK_MODELS, risk_model_train


class Command(BaseCommand):
    help = (
        "Train the risk model on past verifications (enrolled or not), report its ROC AUC on "
        "held-out verifications and store it as the next version under VAR_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("--test-size", type=float, default=0.25, help="held-out share")
        parser.add_argument("--seed", type=int, default=0, help="random state of the split")
        parser.add_argument(
            "--min-outcomes", type=int, default=200, help="fewest verifications to learn from"
        )

    def handle(self, *args, test_size, seed, min_outcomes, **options):
        try:
            result = risk_model_train(
                test_size=test_size, random_state=seed, min_outcomes=min_outcomes
            )
        except NotEnoughHistory as exc:
            self.stdout.write(
                self.style.WARNING(
                    _("Too little history to learn from (%(reason)s): warnings stay in rule order.")
                    % {"reason": exc}
                )
            )
            return
        self.stdout.write(
            _("Learned from %(outcomes)d verifications, %(enrolled)d of them enrolled.")
            % {"outcomes": result.outcomes, "enrolled": result.enrolled}
        )
        strongest = sorted(result.coefficients.items(), key=lambda item: -abs(item[1]))[:5]
        for name, weight in strongest:
            self.stdout.write(f"  {name:<40} {weight:+.3f}")
        self.stdout.write(
            self.style.SUCCESS(
                _("AUC on %(n)d held-out verifications: %(auc).3f. Saved %(version)s in %(dir)s.")
                % {
                    "n": result.n_test,
                    "auc": result.auc,
                    "version": result.version,
                    "dir": RISK_MODELS.directory,
                }
            )
        )
