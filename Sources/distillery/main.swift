import ArgumentParser
import Foundation

// libcurl runs with CURLOPT_NOSIGNAL, so a peer closing a TLS connection could raise SIGPIPE and
// kill the process; a closed socket must be an error return instead.
signal(SIGPIPE, SIG_IGN)
Distillery.main()
