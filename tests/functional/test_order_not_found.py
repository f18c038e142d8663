"""Every order page, dialog and POST answers the same "not found" page for an unknown or
malformed order id, and changes nothing."""

from __future__ import annotations

import pytest

GET_PAGES = (
    "/admin/orders/details/?id={}",
    "/admin/orders/edit/?id={}",
    "/admin/orders/ship/?id={}",
    "/admin/orders/trackings/?id={}",
    "/admin/orders/coupon/?id={}",
    "/admin/orders/discount/?id={}",
    "/admin/orders/activities/note/?id={}",
    "/admin/orders/activities/attachment/?id={}",
    "/admin/orders/activities/event/?id={}",
    "/admin/orders/activities/email/?id={}",
)
POSTS = (
    "/admin/orders/transition/",
    "/admin/orders/delete/",
    "/admin/orders/reorder/",
    "/admin/orders/discount/remove/",
    "/admin/orders/promotion/toggle/",
    "/admin/orders/coupon/remove/",
)
BAD_IDS = ("999999", "", "abc", "1,2", "-1", "²", str(2**31), str(2**63), "1e3", "9" * 5000)


@pytest.mark.parametrize("url", GET_PAGES)
def test_an_order_page_for_a_missing_or_malformed_id_is_the_not_found_page(login_as, url):
    client = login_as("manager")
    for bad_id in BAD_IDS:
        response = client.get(url.format(bad_id))
        assert response.status_code == 404, bad_id
        assert "There is no such page or record" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", POSTS)
def test_an_order_post_for_a_missing_or_malformed_id_is_the_not_found_page(login_as, url):
    client = login_as("manager")
    for bad_id in BAD_IDS:
        response = client.post(url, data={"id": bad_id, "transition": "cancel"})
        assert response.status_code == 404, bad_id
        assert "There is no such page or record" in response.get_data(as_text=True)
