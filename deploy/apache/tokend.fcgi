#!/bin/sh
# Started by mod_fcgid (a listening socket on fd 0: tokend serves FastCGI) or mod_cgi (one
# request, tokend answers it as CGI). Settings go here: SetEnv in .htaccess never reaches a
# mod_fcgid worker. Edit both paths; keep them outside the web root.
TOKEND_DATA=/home/USER/tokend-data
TOKEND_THREADS=1
export TOKEND_DATA TOKEND_THREADS
exec /home/USER/bin/tokend
