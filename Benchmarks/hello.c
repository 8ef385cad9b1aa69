/* The anchor: the smallest libfcgi worker, N threads on FCGX_Accept_r over the socket on fd 0
 * (spawn-fcgi) answering a fixed JSON body. tokend's figures are reported as ratios to it. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char reply[] =
    "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"hello\":\"ok\"}\n";

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, 0, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(reply, (int)strlen(reply), request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1) threads = 1;
    FCGX_Init();
    pthread_t ids[64];
    for (int i = 1; i < threads && i < 64; i++) pthread_create(&ids[i], NULL, serve, NULL);
    serve(NULL);
    return 0;
}
