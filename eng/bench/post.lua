-- wrk script for eng/bench/wrk.sh: POST the issue request the sample's endpoint expects.
wrk.method = "POST"
wrk.body = '{"filename":"a.png","contentType":"image/png","size":1000}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Demo-User"] = "bench"
