"""Long query strings through nginx: pagination's Link header repeats the query up to four times,
so it must fit nginx's FastCGI header buffer (nginx/local.conf.template, nginx/tokend.conf)."""
import urllib.parse
import urllib.request


def test_a_long_query_keeps_its_link_header(tokend):
    # 4,000: just under the search term bound (RequestLimits.searchTerm), three times over a page.
    query = urllib.parse.urlencode({"search": "x" * 4000, "per_page": 1, "page": 2})
    request = urllib.request.Request(f"{tokend['url']}/api/v4/personal_access_tokens?{query}",
                                     headers={"PRIVATE-TOKEN": tokend["token"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        link = response.headers["Link"]
    assert link.count("x" * 4000) == 3  # prev, first, last
    assert 'rel="prev"' in link and 'rel="last"' in link
