"""The contract's OpenAPI links: which operations an answer leads to, and where in it (or in its
request) the ids they take are. A created order's `id` is the order_id of its page, its update
(with the ETag as If-Match), its notes and so on; a created note's `id` with the order's id is
the note's. Clients follow them instead of guessing ids; Schemathesis' stateful phase chains
real calls along them (tests/contract/run.sh)."""

from __future__ import annotations

from typing import Any

from admin.api.common import link

ORDER = "/orders/{order_id}"
FROM_PATH = "$request.path.order_id"


def order_links(order_id: str, version: str) -> dict[str, dict[str, Any]]:
    """What an answer holding an order leads to: `order_id` and `version` are the runtime
    expressions of its id and of its version (an ETag, or the bare number If-Match takes)."""
    of_order = {"order_id": order_id}
    return {
        "GetOrder": link("get", ORDER, "The order.", **of_order),
        "UpdateOrder": link(
            "patch",
            ORDER,
            "Change the order, based on this version.",
            **of_order,
            **{"header.If-Match": version},
        ),
        "DeleteOrder": link("delete", ORDER, "Delete the order.", **of_order),
        "TransitionOrder": link("post", ORDER + "/transitions/{name}", "Move the order on.", **of_order),
        "ShipOrder": link("post", ORDER + "/shipments", "Ship the order.", **of_order),
        "ListNotes": link("get", ORDER + "/notes", "The order's notes.", **of_order),
        "AddNote": link("post", ORDER + "/notes", "Add a note to the order.", **of_order),
        "ListEvents": link("get", ORDER + "/events", "The order's calendar events.", **of_order),
        "AddEvent": link("post", ORDER + "/events", "Add a calendar event to the order.", **of_order),
        "ListAttachments": link("get", ORDER + "/attachments", "The order's attachments.", **of_order),
        "AddAttachment": link("post", ORDER + "/attachments", "Attach a file to the order.", **of_order),
        "ListEmails": link("get", ORDER + "/emails", "The emails sent from the order.", **of_order),
        "SendEmail": link("post", ORDER + "/emails", "Send an email from the order.", **of_order),
        "ListEmailTemplates": link("get", ORDER + "/email-templates/", "Its email templates.", **of_order),
        "AddCoupon": link("post", ORDER + "/coupons", "Add a coupon code to the order.", **of_order),
        "ListSpecialDiscounts": link(
            "get", ORDER + "/special-discounts", "Its special discounts.", **of_order
        ),
        "AddSpecialDiscount": link(
            "post", ORDER + "/special-discounts", "Add a special discount.", **of_order
        ),
    }


def order_answer_links() -> dict[str, dict[str, Any]]:
    """An order answered whole (its ETag in the header): the order's operations, and those of
    its first special discount and first applied promotion."""
    return {
        **order_links("$response.body#/id", "$response.header.ETag"),
        "UpdateSpecialDiscount": link(
            "patch",
            ORDER + "/special-discounts/{discount_id}",
            "Change its first special discount.",
            order_id="$response.body#/id",
            discount_id="$response.body#/special_discounts/0/id",
        ),
        "DeleteSpecialDiscount": link(
            "delete",
            ORDER + "/special-discounts/{discount_id}",
            "Remove its first special discount.",
            order_id="$response.body#/id",
            discount_id="$response.body#/special_discounts/0/id",
        ),
        "ChangePromotion": link(
            "patch",
            ORDER + "/promotions/{applied_id}",
            "Deactivate or re-activate its first applied promotion.",
            order_id="$response.body#/id",
            applied_id="$response.body#/applied_promotions/0/id",
        ),
        "RemoveCoupon": link(
            "delete",
            ORDER + "/coupons/{applied_id}",
            "Take its first applied promotion off (a coupon; an automatic one is refused).",
            order_id="$response.body#/id",
            applied_id="$response.body#/applied_promotions/0/id",
        ),
    }


def order_list_links() -> dict[str, dict[str, Any]]:
    """A page of orders: the first one's operations."""
    return order_links("$response.body#/items/0/id", "$response.body#/items/0/version")


def activity_links(kind: str, item_id: str, methods: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """An answer holding an activity of the order in the request's path (a note, an event, an
    attachment, an email): the operations on it, as `kind` names them in the path."""
    path = f"{ORDER}/{kind}s/{{{kind}_id}}"
    name = kind.title()
    verbs = {
        "get": ("Get", "The {}."),
        "patch": ("Update", "Change the {}."),
        "delete": ("Delete", "Delete the {}."),
    }
    found = {
        verbs[method][0] + name: link(
            method, path, verbs[method][1].format(kind), order_id=FROM_PATH, **{f"{kind}_id": item_id}
        )
        for method in methods
    }
    if kind == "attachment":
        found["GetAttachmentContent"] = link(
            "get", path + "/content", "The attachment's file.", order_id=FROM_PATH, attachment_id=item_id
        )
    if kind == "email":
        found["RetryEmail"] = link(
            "post", path + "/retry", "Send it again.", order_id=FROM_PATH, email_id=item_id
        )
    return found


def job_links(job_id: str) -> dict[str, dict[str, Any]]:
    return {"GetJob": link("get", "/jobs/{job_id}", "Follow the job's progress.", job_id=job_id)}


def record_links(name: str, path: str, parameter: str, record_id: str) -> dict[str, dict[str, Any]]:
    """An answer holding a record of a resource (or a page of them): the record itself."""
    return {f"Get{name}": link("get", path, f"The {name.lower()}.", **{parameter: record_id})}


def document_links(name: str, path: str, parameter: str, document_id: str) -> dict[str, dict[str, Any]]:
    """A shopping list or RFQ (or a page of them): the document, and an order made from it."""
    return {
        **record_links(name, path, parameter, document_id),
        "OrderFromDocument": link(
            "post", path + "/orders", "Make an order from it.", **{parameter: document_id}
        ),
    }


def special_discount_list_links() -> dict[str, dict[str, Any]]:
    """The order's special discounts: the first one's operations."""
    path = ORDER + "/special-discounts/{discount_id}"
    first = {"order_id": FROM_PATH, "discount_id": "$response.body#/0/id"}
    return {
        "UpdateSpecialDiscount": link("patch", path, "Change the first special discount.", **first),
        "DeleteSpecialDiscount": link("delete", path, "Remove the first special discount.", **first),
    }
