// Marks the page as scripted so controls that only matter without JavaScript can hide.
document.documentElement.classList.add("js");
