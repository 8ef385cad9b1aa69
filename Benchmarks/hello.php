<?php
// The shared host's baseline: php-fpm's smallest answer, the same body as the C hello.
header('Content-Type: application/json');
echo "{\"hello\":\"ok\"}\n";
