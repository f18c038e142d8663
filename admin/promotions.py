"""Marketing > Promotions and Marketing > Coupons: scaffolded views over the models, with the
rules in actions/promotions.py and actions/coupons.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from actions.coupons import check_new_coupon, generate_coupons, set_coupons_enabled
from actions.money import CURRENCIES
from actions.promotions import check_promotion, check_promotion_deletable
from admin.base import SecuredModelView, parse_id, run_action, user_can
from admin.choices import select_choices
from admin.formatting import money
from admin.timeformat import reader_zone
from models import AppliedPromotion, Coupon, Order, Promotion, db
from models.promotions import PROMOTION_KIND_LABELS


def _kind(view: Any, context: Any, model: Any, name: str) -> str:
    return PROMOTION_KIND_LABELS.get(model.kind, model.kind)


def _value(view: Any, context: Any, model: Promotion, name: str) -> str:
    if model.kind == "order_amount" and model.currency:
        return money(model.value, model.currency)
    return f"{model.value.normalize():f}%"


def _limit(view: Any, context: Any, model: Coupon, name: str) -> str:
    value = getattr(model, name)
    return "Unlimited" if value is None else str(value)


def _uses(view: Any, context: Any, model: Coupon, name: str) -> Markup:
    url = url_for("coupons.details_view", id=model.id)
    return Markup('<a href="{}#coupon-orders">{}</a>').format(url, model.uses)


class MarketingView(SecuredModelView):
    view_permission = "view_orders"
    manage_permission = "manage_promotions"


PROMOTION_FIELDS = (
    "name",
    "kind",
    "value",
    "currency",
    "minimum_subtotal",
    "starts_at",
    "ends_at",
    "active",
    "requires_coupon",
)


class PromotionView(MarketingView):
    column_list = PROMOTION_FIELDS
    column_labels = {
        "kind": "Discount",
        "requires_coupon": "Requires Coupon",
        "minimum_subtotal": "Minimum Subtotal",
        "starts_at": "Starts",
        "ends_at": "Ends",
    }
    column_formatters = {"kind": _kind, "value": _value}
    column_searchable_list = ("name",)
    column_filters = ("active", "requires_coupon", "kind", "currency")
    column_default_sort = ("id", True)
    column_details_list = (*PROMOTION_FIELDS, "created_at", "updated_at")
    form_columns = PROMOTION_FIELDS
    form_choices = {
        "kind": list(PROMOTION_KIND_LABELS.items()),
        "currency": [(c, c) for c in CURRENCIES],
    }
    form_args = {
        "value": {"description": "A percent in (0, 100], or an amount in the currency."},
        "currency": {
            "description": "Required for an order amount; when set, the promotion "
            "applies only to orders in that currency."
        },
        "minimum_subtotal": {"description": "In the promotion's currency (or the order's)."},
        "requires_coupon": {
            "description": "Unticked: applies automatically to orders whose "
            "conditions hold, when created or edited."
        },
    }
    form_widget_args = {
        "starts_at": {"data-date-format": "YYYY-MM-DD HH:mm:ss"},
        "ends_at": {"data-date-format": "YYYY-MM-DD HH:mm:ss"},
    }

    def on_model_change(self, form: Any, model: Promotion, is_created: bool) -> None:
        check_promotion(model)

    def on_model_delete(self, model: Promotion) -> None:
        check_promotion_deletable(model)


class GenerateCouponsForm(FlaskForm):
    promotion_id = SelectField("Promotion", choices=[], validate_choice=False)
    count = IntegerField("Count", default=10, validators=[InputRequired(), NumberRange(min=1, max=1000)])
    prefix = StringField("Prefix", default="")
    code_length = IntegerField(
        "Code length (after the prefix)", default=8, validators=[InputRequired(), NumberRange(min=4, max=32)]
    )
    uses_per_coupon = IntegerField("Uses per coupon (empty: unlimited)", default=1, validators=[Optional()])
    uses_per_customer_user = IntegerField(
        "Uses per customer user (empty: unlimited)", default=1, validators=[Optional()]
    )
    valid_from = DateTimeLocalField("Valid from (your time zone)", validators=[Optional()])
    valid_until = DateTimeLocalField("Valid until (your time zone)", validators=[Optional()])


def _utc(value: datetime | None) -> datetime | None:
    """A moment typed in the reader's time zone, as stored (UTC)."""
    return value.replace(tzinfo=reader_zone()).astimezone(UTC) if value is not None else None


COUPON_COLUMNS = (
    "code",
    "promotion",
    "enabled",
    "uses",
    "uses_per_coupon",
    "uses_per_customer_user",
    "valid_from",
    "valid_until",
    "created_at",
)


class CouponView(MarketingView):
    column_list = COUPON_COLUMNS
    column_labels = {
        "uses": "Use Count",
        "uses_per_coupon": "Uses per Coupon",
        "uses_per_customer_user": "Uses per Customer User",
        "valid_from": "Valid From",
        "valid_until": "Valid Until",
    }
    column_formatters = {"uses": _uses, "uses_per_coupon": _limit, "uses_per_customer_user": _limit}
    column_searchable_list = ("code",)
    column_filters = ("enabled", "promotion.name", "uses", "valid_until")
    column_default_sort = ("id", True)
    column_details_list = COUPON_COLUMNS
    form_columns = (
        "code",
        "promotion",
        "enabled",
        "uses_per_coupon",
        "uses_per_customer_user",
        "valid_from",
        "valid_until",
    )
    form_args = {
        "uses_per_coupon": {"default": 1, "description": "Empty: unlimited."},
        "uses_per_customer_user": {"default": 1, "description": "Empty: unlimited."},
        "enabled": {"default": True},
        "code": {"description": "Letters, digits, dashes; people may type it in any case."},
    }
    list_template = "promotions/coupon_list.html"
    details_template = "promotions/coupon_details.html"

    def on_model_change(self, form: Any, model: Coupon, is_created: bool) -> None:
        check_new_coupon(db.session, model)

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["coupon_orders"] = db.session.execute(
                select(AppliedPromotion, Order)
                .join(Order, AppliedPromotion.order_id == Order.id)
                .where(AppliedPromotion.coupon_id == kwargs["model"].id)
                .options(joinedload(Order.customer))
                .order_by(Order.id.desc())
                .limit(500)
            ).all()
        return super().render(template, **kwargs)

    def _enable(self, ids: list[str], enabled: bool) -> None:
        coupon_ids = [i for i in map(parse_id, ids) if i is not None]
        verb = "enabled" if enabled else "disabled"
        run_action(
            lambda: set_coupons_enabled(db.session, coupon_ids, enabled),
            done=lambda changed: f"{changed} {'coupon' if changed == 1 else 'coupons'} {verb}.",
        )

    def is_action_allowed(self, name: str) -> bool:
        if name in ("enable", "disable"):
            return user_can(self.manage_permission)
        return super().is_action_allowed(name)

    @action("enable", "Enable", "Enable {count} selected coupon{s}?")
    def action_enable(self, ids: list[str]) -> None:
        self._enable(ids, True)

    @action("disable", "Disable", "Disable {count} selected coupon{s}? They can no longer be applied.")
    def action_disable(self, ids: list[str]) -> None:
        self._enable(ids, False)

    @expose("/generate/", methods=("GET", "POST"))
    def generate_view(self) -> Any:
        """Generate a batch of coupons for one promotion."""
        if not user_can(self.manage_permission):
            flash("You do not have permission to perform this action.", "error")
            return redirect(url_for(".index_view"))
        form = GenerateCouponsForm()
        promotions = db.session.scalars(select(Promotion).order_by(Promotion.name)).all()
        form.promotion_id.choices = select_choices((str(p.id), p.name) for p in promotions)
        if request.method == "GET" and request.args.get("promotion_id"):
            form.promotion_id.data = request.args["promotion_id"]
        if request.method == "POST" and form.validate():
            promotion_id = parse_id(form.promotion_id.data)
            promotion = db.session.get(Promotion, promotion_id) if promotion_id is not None else None
            if promotion is None:
                flash("Promotion: please choose a promotion.", "error")
            elif run_action(
                lambda: generate_coupons(
                    db.session,
                    promotion,
                    count=form.count.data,
                    prefix=form.prefix.data or "",
                    code_length=form.code_length.data,
                    uses_per_coupon=form.uses_per_coupon.data,
                    uses_per_customer_user=form.uses_per_customer_user.data,
                    valid_from=_utc(form.valid_from.data),
                    valid_until=_utc(form.valid_until.data),
                ),
                done=lambda made: f"{len(made)} coupons generated for {promotion.name}.",
            ).ok:
                return redirect(url_for(".index_view", search=form.prefix.data or None))
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return self.render("promotions/generate.html", form=form)


def promotion_views() -> list[SecuredModelView]:
    return [
        PromotionView(Promotion, name="Promotions", category="Marketing", endpoint="promotions"),
        CouponView(Coupon, name="Coupons", category="Marketing", endpoint="coupons"),
    ]
