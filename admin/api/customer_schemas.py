"""Customers and customer users as the API shows and takes them: the columns of the panel's
pages, address books read-only, and the fields the order form's "new customer" and "new
customer user" dialogs send (the only creation that goes through an action)."""

from __future__ import annotations

import marshmallow as ma

from admin.api.common import NEXT_CURSOR, PageArgs, Schema
from admin.api.fields import IdFilter
from admin.api.order_schemas import CustomerUserRef, Ref, UserRef
from models import MAX_ID

F = ma.fields


class PaymentTermRef(Schema):
    id = F.Integer()
    label = F.String()


class BookAddress(Schema):
    """An address-book entry, typed billing and/or shipping, each type with its default flag."""

    id = F.Integer()
    label = F.String(allow_none=True)
    first_name = F.String(allow_none=True)
    last_name = F.String(allow_none=True)
    organization = F.String(allow_none=True)
    street = F.String()
    street2 = F.String(allow_none=True)
    city = F.String()
    postal_code = F.String()
    region = F.String(allow_none=True)
    country = F.String()
    phone = F.String(allow_none=True)
    is_billing = F.Boolean()
    is_default_billing = F.Boolean()
    is_shipping = F.Boolean()
    is_default_shipping = F.Boolean()


class CustomerSummary(Schema):
    id = F.Integer()
    name = F.String()
    parent = F.Nested(Ref, allow_none=True)
    owner = F.Nested(UserRef, allow_none=True)
    payment_term = F.Nested(PaymentTermRef, allow_none=True)
    created_at = F.DateTime()
    updated_at = F.DateTime()


class CustomerDetail(CustomerSummary):
    """A customer with its customer users and address book, as on its page."""

    users = F.List(F.Nested(CustomerUserRef))
    addresses = F.List(F.Nested(BookAddress))


class CustomerPage(Schema):
    items = F.List(F.Nested(CustomerSummary))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class CustomerIn(Schema):
    """A customer is created with its name; the rest is filled in on its page in the panel."""

    name = F.String(required=True)


class CustomerListArgs(PageArgs):
    name = F.String(
        validate=ma.validate.Length(max=255),
        metadata={"description": "Name starts with (case does not matter)."},
    )


class CustomerUserSummary(Schema):
    id = F.Integer()
    email = F.String()
    first_name = F.String()
    last_name = F.String()
    enabled = F.Boolean()
    customer = F.Nested(Ref)
    created_at = F.DateTime()
    updated_at = F.DateTime()


class CustomerUserDetail(CustomerUserSummary):
    """A customer user with their own address book."""

    addresses = F.List(F.Nested(BookAddress))


class CustomerUserPage(Schema):
    items = F.List(F.Nested(CustomerUserSummary))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class CustomerUserIn(Schema):
    """An enabled buyer of a customer; the email is kept lower-case and must be unused."""

    customer_id = F.Integer(required=True, strict=True, validate=ma.validate.Range(1, MAX_ID))
    email = F.String(required=True)
    first_name = F.String(required=True)
    last_name = F.String(required=True)


class CustomerUserListArgs(PageArgs):
    customer_id = IdFilter("Of this customer.")
    email = F.String(
        validate=ma.validate.Length(max=255),
        metadata={"description": "Email starts with (compared lower-case, as emails are kept)."},
    )
