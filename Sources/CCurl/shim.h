#ifndef DISTILLERY_CCURL_SHIM_H
#define DISTILLERY_CCURL_SHIM_H
#include <curl/curl.h>

/*
 * Swift cannot call C variadic functions: curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt
 * all are. Each wrapper below fixes the type of the third argument, which is what libcurl reads
 * with va_arg (swift-corelibs-foundation's CFURLSession_easy_setopt_* use the same pattern).
 * All return the CURLcode/CURLMcode of the underlying call.
 */

/* Why: curl_easy_setopt is variadic; options whose argument is a `long` (flags, timeouts, sizes < 2 GB). */
static inline CURLcode distillery_curl_easy_setopt_long(CURL *handle, CURLoption option, long value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; options whose argument is a `curl_off_t` (*_LARGE sizes). */
static inline CURLcode distillery_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; options whose argument is a C string (libcurl copies it). */
static inline CURLcode distillery_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; options whose argument is an opaque pointer
 * (CURLOPT_WRITEDATA, CURLOPT_READDATA, CURLOPT_HEADERDATA, CURLOPT_PRIVATE, CURLOPT_ERRORBUFFER). */
static inline CURLcode distillery_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; CURLOPT_HTTPHEADER and other list options take a curl_slist. */
static inline CURLcode distillery_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION take this signature. */
static inline CURLcode distillery_curl_easy_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback value)
{ return curl_easy_setopt(handle, option, value); }

/* Why: curl_easy_setopt is variadic; CURLOPT_READFUNCTION takes a curl_read_callback. */
static inline CURLcode distillery_curl_easy_setopt_read_function(CURL *handle, curl_read_callback value)
{ return curl_easy_setopt(handle, CURLOPT_READFUNCTION, value); }

/* Why: curl_easy_setopt is variadic; CURLOPT_XFERINFOFUNCTION (progress/abort) takes this callback. */
static inline CURLcode distillery_curl_easy_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback value)
{ return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value); }

/* Why: curl_easy_getinfo is variadic; infos answered with a `long` (CURLINFO_RESPONSE_CODE, ...). */
static inline CURLcode distillery_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value)
{ return curl_easy_getinfo(handle, info, value); }

/* Why: curl_easy_getinfo is variadic; infos answered with a `curl_off_t` (CURLINFO_*_T). */
static inline CURLcode distillery_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value)
{ return curl_easy_getinfo(handle, info, value); }

/* Why: curl_easy_getinfo is variadic; infos answered with a pointer (CURLINFO_PRIVATE, CURLINFO_EFFECTIVE_URL). */
static inline CURLcode distillery_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value)
{ return curl_easy_getinfo(handle, info, value); }

/* Why: curl_multi_setopt is variadic; options whose argument is a `long` (CURLMOPT_MAX_TOTAL_CONNECTIONS, ...). */
static inline CURLMcode distillery_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value)
{ return curl_multi_setopt(handle, option, value); }

/* Why: curl_multi_setopt is variadic; options whose argument is a pointer. */
static inline CURLMcode distillery_curl_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value)
{ return curl_multi_setopt(handle, option, value); }

/* Why: CURLMsg carries its CURLcode in an anonymous union; reading it in C keeps the Swift side
 * independent of how the importer names that union. */
static inline CURLcode distillery_curl_msg_result(const CURLMsg *message)
{ return message->data.result; }

/* Why: curl_slist_append copies each header line and curl_slist_free_all frees the copies without
 * wiping them; an Authorization line holds an API key. Writing through a volatile pointer is a wipe
 * the optimizer cannot drop. Call it just before curl_slist_free_all. */
static inline void distillery_curl_slist_wipe(struct curl_slist *list)
{
    for (; list != NULL; list = list->next) {
        if (list->data != NULL) {
            volatile char *cursor = list->data;
            while (*cursor != 0) { *cursor++ = 0; }
        }
    }
}

/* Why: curl_multi_setopt is variadic; CURLMOPT_SOCKETFUNCTION takes a curl_socket_callback. */
static inline CURLMcode distillery_curl_multi_setopt_socket_function(CURLM *handle, curl_socket_callback value)
{ return curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, value); }

/* Why: curl_multi_setopt is variadic; CURLMOPT_TIMERFUNCTION takes a curl_multi_timer_callback. */
static inline CURLMcode distillery_curl_multi_setopt_timer_function(CURLM *handle, curl_multi_timer_callback value)
{ return curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, value); }

#ifdef __linux__
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/*
 * epoll for TeacherTransport's curl_multi_socket_action loop. Why in C: struct epoll_event is packed
 * on x86-64 and its data member is a union, both awkward from Swift; and translating between
 * CURL_POLL_* / CURL_CSELECT_* and EPOLL* bits here keeps the Swift side free of either set.
 */

/* Watches `fd` for what libcurl asks (CURL_POLL_IN/OUT/INOUT), or stops watching it (CURL_POLL_REMOVE).
 * Returns 0 or -1 with errno. A REMOVE for a descriptor libcurl already closed is not an error. */
static inline int distillery_epoll_watch(int epoll_fd, int fd, int what)
{
    if (what == CURL_POLL_REMOVE) {
        int result = epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return (result != 0 && (errno == ENOENT || errno == EBADF)) ? 0 : result;
    }
    struct epoll_event event;
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
    if (errno != ENOENT) return -1;
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

/* Waits up to `timeout_ms` (-1: forever) for at most `capacity` (<= 256) ready descriptors; fills
 * `fds` and, for each, the CURL_CSELECT_* bits to pass to curl_multi_socket_action. Returns the count,
 * 0 on timeout or EINTR, -1 on another error. */
static inline int distillery_epoll_wait_curl(int epoll_fd, int *fds, int *cselect_bits, int capacity, int timeout_ms)
{
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll_fd, events, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int index = 0; index < count; index++) {
        unsigned bits = events[index].events;
        fds[index] = events[index].data.fd;
        cselect_bits[index] = ((bits & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((bits & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
            | ((bits & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    }
    return count;
}

/* Why: eventfd's flags are macros Swift imports awkwardly; this is the loop's wake-up descriptor. */
static inline int distillery_eventfd_create(void)
{ return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline void distillery_eventfd_signal(int fd)
{ eventfd_t one = 1; (void)write(fd, &one, sizeof one); }

static inline void distillery_eventfd_drain(int fd)
{ eventfd_t value; (void)read(fd, &value, sizeof value); }

static inline int distillery_epoll_create(void)
{ return epoll_create1(EPOLL_CLOEXEC); }
#endif

#endif
