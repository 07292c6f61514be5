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

#endif
