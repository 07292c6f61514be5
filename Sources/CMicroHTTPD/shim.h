#ifndef DISTILLERY_CMICROHTTPD_SHIM_H
#define DISTILLERY_CMICROHTTPD_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/*
 * Swift cannot call C variadic functions, so every variadic libmicrohttpd entry point we use gets a
 * typed static inline wrapper here. Inline functions in a system-library header need no C target.
 */

/*
 * Why: MHD_start_daemon is variadic (option list terminated by MHD_OPTION_END).
 * Starts a daemon on a listening socket the caller already bound (so port 0 and clear EADDRINUSE
 * errors are handled in Swift), with a thread pool, a connection timeout, a per-connection memory
 * limit, a limit of connections per client address (0: none) and a request-completed callback for
 * releasing per-request state.
 */
static inline struct MHD_Daemon *distillery_mhd_start_daemon(
    unsigned int flags,
    int listen_socket,
    unsigned int thread_pool_size,
    unsigned int connection_timeout_seconds,
    size_t connection_memory_limit,
    unsigned int per_ip_connection_limit,
    MHD_AccessHandlerCallback access_handler,
    void *access_handler_cls,
    MHD_RequestCompletedCallback request_completed,
    void *request_completed_cls)
{
    return MHD_start_daemon(
        flags, 0,
        NULL, NULL,
        access_handler, access_handler_cls,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_socket,
        MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_connection_limit,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, request_completed_cls,
        MHD_OPTION_END);
}

/*
 * Why: MHD_get_connection_info is variadic. Returns the peer address of a connection (NULL if
 * unknown); the sockaddr lives as long as the connection.
 */
static inline const struct sockaddr *distillery_mhd_connection_client_address(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return (NULL == info) ? NULL : info->client_addr;
}

/*
 * Why: MHD_CONTENT_READER_END_OF_STREAM / _END_WITH_ERROR and MHD_SIZE_UNKNOWN are macros with casts,
 * which Swift does not import.
 */
static inline ssize_t distillery_mhd_content_reader_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t distillery_mhd_content_reader_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline uint64_t distillery_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }

#endif
