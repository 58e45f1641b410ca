/* notifysink.c: stands in for systemd's notification socket in tests: binds a unix
 * datagram socket at PATH and prints every message it receives (one line per
 * assignment, e.g. READY=1) until SECONDS pass without one. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "Usage: tiendo-notifysink PATH SECONDS\n");
        return 2;
    }
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "notifysink: path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        perror("notifysink");
        return 1;
    }
    int idle_ms = atoi(argv[2]) * 1000;
    char buf[4096];
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, idle_ms) > 0) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
            break;
        buf[n] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
    }
    close(fd);
    unlink(argv[1]);
    return 0;
}
