-- wrk script: POST a token creation, form-encoded.
wrk.method = "POST"
wrk.body = "name=bench&scopes[]=api"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
