"""Every model, importable from one place (Alembic and the admin need them all registered)."""

from models.activities import Attachment, CalendarEvent, Email, Note
from models.api_tokens import ApiToken
from models.audit import AuditEntry
from models.base import MAX_ID, Base, Money, db, record_id, utcnow
from models.catalog import (
    PaymentTerm,
    Product,
    ProductPrice,
    ShippingMethod,
    ShippingMethodPrice,
    TaxRule,
)
from models.customers import Customer, CustomerAddress, CustomerUser, CustomerUserAddress
from models.grid_views import GridView, GridViewDefault
from models.jobs import Job, JobItem
from models.orders import (
    InternalStatus,
    Order,
    OrderAddress,
    OrderLineItem,
    PaymentStatus,
    ShippingStatus,
    ShippingTracking,
    SpecialDiscount,
    order_identifier,
)
from models.promotions import AppliedPromotion, Coupon, CouponCustomerUserUse, Promotion
from models.rollups import CustomerRevenue, DailyOrderTotal
from models.sales_documents import (
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
)
from models.search import CUSTOMER_USER_WORDS, CUSTOMER_WORDS
from models.users import ROLES, RecoveryCode, User
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "MAX_ID",
    "ApiToken",
    "AppliedPromotion",
    "Attachment",
    "CalendarEvent",
    "Coupon",
    "CouponCustomerUserUse",
    "CUSTOMER_USER_WORDS",
    "CUSTOMER_WORDS",
    "DailyOrderTotal",
    "Email",
    "GridView",
    "GridViewDefault",
    "InternalStatus",
    "Job",
    "JobItem",
    "Note",
    "Promotion",
    "ROLES",
    "RecoveryCode",
    "AuditEntry",
    "Base",
    "Customer",
    "CustomerRevenue",
    "CustomerAddress",
    "CustomerUser",
    "CustomerUserAddress",
    "Money",
    "Order",
    "OrderAddress",
    "OrderLineItem",
    "PaymentStatus",
    "PaymentTerm",
    "Product",
    "ProductPrice",
    "RequestForQuote",
    "RequestProduct",
    "RequestProductItem",
    "ShippingMethod",
    "ShippingMethodPrice",
    "ShippingStatus",
    "ShippingTracking",
    "ShoppingList",
    "ShoppingListLine",
    "SpecialDiscount",
    "TaxRule",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "db",
    "order_identifier",
    "record_id",
    "utcnow",
]
